"""Duplicate detection across scripts and transliteration systems (issue 5, foundation).

- `normalize`: comparable keys per name token and blocking keys for an index.
- `score`: the pairwise scorer `score_pair(a, b, frequencies=None) -> Match` on
  `MatchRecord`; optional `NameFrequencies` make common names weaker evidence.
- `pairs`: blocking (`candidate_pairs`), scoring on all cores (`score_pairs`) and both
  together (`find_pairs`, used by `duplicate_report` and `evaluate_matching`).
- `synthetic`: a seeded evaluation set with ground truth (used by `evaluate_matching`).

Nothing here touches the database except `MatchRecord.from_client`.
"""
