"""Who is this person? Names across scripts and transliteration systems, and whether two
records describe the same person. Pure Python: no database, no model of ours.

- `names`: folding (`fold_accents` for search, `romanize` for the matcher), comparable
  keys per name token and the blocking keys stored in `clients.ClientMatchKey`.
- `score`: the pairwise scorer `score_pair(a, b, frequencies=None) -> Match` on
  `MatchRecord`; optional `NameFrequencies` make common names weaker evidence.
- `pairs`: blocking (`candidate_pairs`), scoring on all cores (`score_pairs`) and both
  together (`find_pairs`, used by `duplicate_report` and `evaluate_matching`).

Records are read from the database as `MatchRecord`s by `clients.matchkeys`.
"""
