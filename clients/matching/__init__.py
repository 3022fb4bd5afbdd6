"""Duplicate detection across scripts and transliteration systems (issue 5, foundation).

- `normalize`: comparable keys per name token and blocking keys for an index.
- `score`: the pairwise scorer `score_pair(a, b) -> Match` on `MatchRecord`.
- `synthetic`: a seeded evaluation set with ground truth (used by `evaluate_matching`).

Nothing here touches the database except `MatchRecord.from_client`.
"""
