"""Duplicate detection across scripts and transliteration systems (issue 5).

- `normalize`: comparable keys per name token and blocking keys for an index.
- `score`: the pairwise scorer `score_pair(a, b, frequencies=None) -> Match` on
  `MatchRecord`; optional `NameFrequencies` make common names weaker evidence.
- `pairs`: blocking (`candidate_pairs`), scoring on all cores (`score_pairs`) and both
  together (`find_pairs`, used by `duplicate_report` and `evaluate_matching`).
- `keys`: records read from the database as `MatchRecord`s, and their stored blocking keys.
- `synthetic`: a seeded evaluation set with ground truth (used by `evaluate_matching`).

Only `keys` touches the database (through the models it is given).
"""
