"""All probable duplicate pairs of a set of records: blocking, then scoring.

Shared by `duplicate_report` (the database) and `evaluate_matching` (the synthetic set).
Blocking is an inverted index over `MatchRecord.blocking_keys()` (looked up with
`probe_keys()`), so the work grows with
the sizes of the blocks, not with the square of the records. Every key combines a name
with a second field (birth year, day/month, postcode) or is a document number, so blocks
stay small as the data grows (see `names.name_block_keys`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import combinations

from core.identity import names, score
from core.identity.score import (
    Match,
    MatchRecord,
    NameFrequencies,
    score_pair,
    upper_bound_logit,
)

# A block bigger than this is a stop-word key (a very common name with a placeholder
# date), not a candidate set; its members still meet through their other keys.
MAX_BLOCK = 1000


def candidate_pairs(
    records: Sequence[MatchRecord], *, stats: dict | None = None
) -> tuple[set[tuple[int, int]], int]:
    """Index pairs (i < j) that share a stored blocking key, or where one record looks up
    a key the other stores (`MatchRecord.probe_keys`), and how many blocks were skipped.

    Pass a dict as `stats` to get `keys`, `max_block` (largest block used) and
    `largest_key_size` (largest block including skipped ones)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in record.blocking_keys():
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    skipped = 0
    max_block = 0
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) > MAX_BLOCK:
            skipped += 1
            continue
        max_block = max(max_block, len(members))
        pairs.update(combinations(members, 2))
    for index, record in enumerate(records):
        for key in record.probe_keys()[len(record.blocking_keys()) :]:
            members = blocks.get(key)
            if not members or len(members) > MAX_BLOCK:
                continue
            pairs.update((min(index, j), max(index, j)) for j in members if j != index)
    if stats is not None:
        stats["keys"] = len(blocks)
        stats["max_block"] = max_block
        stats["largest_key_size"] = max((len(m) for m in blocks.values()), default=0)
        stats["skipped"] = skipped
    return pairs, skipped


def clear_caches() -> None:
    """Empty the per-process caches of name keys and comparisons (for honest timings)."""
    for cached in (
        names.token_keys,
        names._tokens,
        names.block_key,
        names.spelling_similarity,
        score._reading,
        score._compare_readings_cached,
    ):
        cached.cache_clear()


_WORKER_RECORDS: Sequence[MatchRecord] = ()
_WORKER_FREQUENCIES: NameFrequencies | None = None
_WORKER_MIN_LOGIT: float = -math.inf


def _init_worker(
    records: Sequence[MatchRecord],
    frequencies: NameFrequencies | None = None,
    min_score: float = 0.0,
) -> None:
    """Hand the records to this process and the workers forked from it."""
    global _WORKER_RECORDS, _WORKER_FREQUENCIES, _WORKER_MIN_LOGIT
    _WORKER_RECORDS = records
    _WORKER_FREQUENCIES = frequencies
    _WORKER_MIN_LOGIT = (
        math.log(min_score / (1.0 - min_score)) if 0.0 < min_score < 1.0 else -math.inf
    )


def _score_chunk(chunk: list[tuple[int, int]]) -> list[tuple[int, int, Match]]:
    records = _WORKER_RECORDS
    frequencies = _WORKER_FREQUENCIES
    min_logit = _WORKER_MIN_LOGIT
    out = []
    for i, j in chunk:
        a, b = records[i], records[j]
        # Cheap reject before the name comparison (common name, other date or sex).
        if min_logit > -math.inf and upper_bound_logit(a, b, frequencies) < min_logit:
            continue
        out.append((i, j, score_pair(a, b, frequencies)))
    return out


def score_pairs(
    records: Sequence[MatchRecord],
    pairs: set[tuple[int, int]],
    *,
    workers: int | None = None,
    chunk_size: int = 5000,
    frequencies: NameFrequencies | None = None,
    min_score: float = 0.0,
) -> list[tuple[int, int, Match]]:
    """Score every candidate pair, on all cores when there are enough pairs to pay off.

    With `min_score`, pairs that provably score below it are left out of the result."""
    ordered = sorted(pairs)
    workers = workers or os.cpu_count() or 1
    _init_worker(records, frequencies, min_score)
    if workers == 1 or len(ordered) < 4 * chunk_size:
        return _score_chunk(ordered)
    chunks = [ordered[k : k + chunk_size] for k in range(0, len(ordered), chunk_size)]
    # Forked workers inherit the records from this process instead of unpickling them.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return [row for chunk in pool.map(_score_chunk, chunks) for row in chunk]


def find_pairs(
    records: Sequence[MatchRecord], *, threshold: float, workers: int | None = None
) -> list[tuple[int, int, Match]]:
    """Index pairs scoring at least `threshold`, best first.

    Name frequencies are counted over `records`, so a common name needs more agreement."""
    pairs, _skipped = candidate_pairs(records)
    frequencies = NameFrequencies.of(records)
    scored = score_pairs(
        records, pairs, workers=workers, frequencies=frequencies, min_score=threshold
    )
    found = [row for row in scored if row[2].score >= threshold]
    found.sort(key=lambda row: (-row[2].score, row[0], row[1]))
    return found
