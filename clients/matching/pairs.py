"""All probable duplicate pairs of a set of records: blocking, then scoring.

Shared by `duplicate_report` (the database) and `evaluate_matching` (the synthetic set).
Blocking is an inverted index over `MatchRecord.blocking_keys()`, so the work grows with
the sizes of the blocks, not with the square of the records.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import combinations

from clients.matching.score import Match, MatchRecord, score_pair

# A block bigger than this is a stop-word key (a very common name with no date), not a
# candidate set; its members still meet through their other keys.
MAX_BLOCK = 1000


def candidate_pairs(records: Sequence[MatchRecord]) -> tuple[set[tuple[int, int]], int]:
    """Index pairs (i < j) that share a blocking key, and how many blocks were skipped."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in record.blocking_keys():
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    skipped = 0
    for members in blocks.values():
        if len(members) > MAX_BLOCK:
            skipped += 1
            continue
        pairs.update(combinations(members, 2))
    return pairs, skipped


_WORKER_RECORDS: Sequence[MatchRecord] = ()


def _init_worker(records: Sequence[MatchRecord]) -> None:
    """Hand the records to this process and the workers forked from it."""
    global _WORKER_RECORDS
    _WORKER_RECORDS = records


def _score_chunk(chunk: list[tuple[int, int]]) -> list[tuple[int, int, Match]]:
    records = _WORKER_RECORDS
    return [(i, j, score_pair(records[i], records[j])) for i, j in chunk]


def score_pairs(
    records: Sequence[MatchRecord],
    pairs: set[tuple[int, int]],
    *,
    workers: int | None = None,
    chunk_size: int = 5000,
) -> list[tuple[int, int, Match]]:
    """Score every candidate pair, on all cores when there are enough pairs to pay off."""
    ordered = sorted(pairs)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(ordered) < 4 * chunk_size:
        _init_worker(records)
        return _score_chunk(ordered)
    chunks = [ordered[k : k + chunk_size] for k in range(0, len(ordered), chunk_size)]
    # Forked workers inherit the records from this process instead of unpickling them.
    _init_worker(records)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return [row for chunk in pool.map(_score_chunk, chunks) for row in chunk]


def find_pairs(
    records: Sequence[MatchRecord], *, threshold: float, workers: int | None = None
) -> list[tuple[int, int, Match]]:
    """Index pairs scoring at least `threshold`, best first."""
    pairs, _skipped = candidate_pairs(records)
    scored = score_pairs(records, pairs, workers=workers)
    found = [row for row in scored if row[2].score >= threshold]
    found.sort(key=lambda row: (-row[2].score, row[0], row[1]))
    return found
