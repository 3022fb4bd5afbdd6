"""Precision, recall and F1 of the duplicate matcher on the synthetic evaluation set.

    python manage.py evaluate_matching                 # 10,000 persons
    python manage.py evaluate_matching --persons 100000

Candidates come from the blocking keys (an inverted index in memory, as a database index
would give them), so the run is sub-quadratic; pairs the blocking never proposes count
as missed. The baseline is an exact match on folded family + given names and full date.
"""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import combinations

from django.core.management.base import BaseCommand

from clients.matching.normalize import fold
from clients.matching.score import DEFAULT_THRESHOLD, score_pair
from clients.matching.synthetic import generate

THRESHOLDS = [0.5, 0.7, 0.8, 0.85, 0.9, 0.95]
# Blocks bigger than this are skipped (they would be a stop-word key, not a candidate set).
MAX_BLOCK = 1000


def _prf(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


class Command(BaseCommand):
    help = "Evaluate duplicate matching on a seeded synthetic set (P/R/F1 vs exact match)."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
        parser.add_argument(
            "--show-errors", type=int, default=0, help="Print N false positives and negatives."
        )

    def handle(self, *args, persons, seed, threshold, show_errors, **options):
        out = self.stdout.write
        started = time.perf_counter()
        data = generate(persons, seed=seed)
        truth = data.true_pairs()
        records = data.records
        generated = time.perf_counter()
        out(
            f"{persons} persons, {len(records)} records, {len(truth)} true duplicate pairs "
            f"(seed {seed}); generated in {generated - started:.1f} s"
        )

        blocks: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            for key in record.blocking_keys():
                blocks[key].append(index)
        candidates: set[tuple[int, int]] = set()
        skipped = 0
        for members in blocks.values():
            if len(members) > MAX_BLOCK:
                skipped += 1
                continue
            candidates.update(combinations(sorted(members), 2))
        blocked = time.perf_counter()
        out(
            f"blocking: {len(blocks)} keys, {len(candidates)} candidate pairs "
            f"({skipped} oversized blocks skipped), recall of blocking "
            f"{len(candidates & truth) / max(len(truth), 1):.4f}; {blocked - generated:.1f} s"
        )

        scores = {pair: score_pair(records[pair[0]], records[pair[1]]) for pair in candidates}
        scored = time.perf_counter()
        out(
            f"scoring: {len(scores)} pairs in {scored - blocked:.1f} s "
            f"({1e6 * (scored - blocked) / max(len(scores), 1):.0f} µs per pair)"
        )

        def exact_key(r):
            if r.birth.precision != "day":
                return None
            return (fold(r.family_name).strip(), fold(r.given_names).strip(), r.birth)

        exact: dict[tuple, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            if (key := exact_key(record)) is not None:
                exact[key].append(index)
        baseline = {p for members in exact.values() for p in combinations(sorted(members), 2)}

        out("")
        out(
            f"{'matcher':<28} {'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>7} "
            f"{'pairs':>8}"
        )
        precision, recall, f1 = _prf(baseline, truth)
        out(
            f"{'exact-match baseline':<28} {'-':>9} {precision:>9.4f} {recall:>7.4f} {f1:>7.4f} "
            f"{len(baseline):>8}"
        )
        for value in sorted({*THRESHOLDS, threshold}):
            found = {pair for pair, match in scores.items() if match.score >= value}
            precision, recall, f1 = _prf(found, truth)
            marker = " (default)" if value == threshold else ""
            out(
                f"{'transliteration matcher' + marker:<28} {value:>9.2f} {precision:>9.4f} "
                f"{recall:>7.4f} {f1:>7.4f} {len(found):>8}"
            )
        out(f"\ntotal run time {time.perf_counter() - started:.1f} s")

        if show_errors:
            found = {pair for pair, match in scores.items() if match.score >= threshold}

            def show(label, pairs):
                out(f"\n{label}:")
                for a, b in list(sorted(pairs))[:show_errors]:
                    ra, rb = records[a], records[b]
                    match = scores.get((a, b))
                    out(
                        f"  {ra.family_name}, {ra.given_names} {ra.birth} {ra.sex} | "
                        f"{rb.family_name}, {rb.given_names} {rb.birth} {rb.sex} -> "
                        f"{match.score if match else 'not blocked'} "
                        f"{match.reasons if match else ''}"
                    )

            show("false positives", found - truth)
            show("false negatives", truth - found)
