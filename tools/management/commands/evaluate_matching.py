"""Precision, recall and F1 of the duplicate matcher on the synthetic evaluation set.

    python manage.py evaluate_matching                 # 10,000 persons
    python manage.py evaluate_matching --persons 100000 --show-errors 20

Candidates come from `core.identity.pairs` (the same blocking and scoring the batch
report uses), so pairs the blocking never proposes count as missed. The baseline is an
exact match on folded family + given names and full birth date. Prints blocking recall,
candidate-pair count, block sizes, P/R/F1 at several thresholds and timings, then times
a plain `find_pairs` run at the chosen threshold (what `duplicate_report` does).
"""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import combinations

from django.core.management.base import BaseCommand

from core.identity.names import romanize
from core.identity.pairs import candidate_pairs, clear_caches, find_pairs, score_pairs
from core.identity.score import DEFAULT_THRESHOLD, NameFrequencies
from tools.synthetic.matching import generate

THRESHOLDS = [0.5, 0.7, 0.8, 0.85, 0.9, 0.95]


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
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--show-errors", type=int, default=0, help="Print N false positives and negatives."
        )
        parser.add_argument(
            "--skip-find-pairs", action="store_true", help="Do not time a separate find_pairs."
        )
        parser.add_argument(
            "--concentrated",
            action="store_true",
            help="Only the 58 commonest family names: a stress test for namesakes.",
        )

    def handle(self, *args, persons, seed, threshold, workers, show_errors, **options):
        out = self.stdout.write
        started = time.perf_counter()
        concentrated = options["concentrated"]
        data = generate(persons, seed=seed, concentrated=concentrated)
        truth = data.true_pairs()
        records = data.records
        generated = time.perf_counter()
        out(
            f"{persons} persons, {len(records)} records, {len(truth)} true duplicate pairs "
            f"(seed {seed}{', concentrated names' if concentrated else ''}); "
            f"generated in {generated - started:.1f} s"
        )

        stats: dict = {}
        candidates, _skipped = candidate_pairs(records, stats=stats)
        frequencies = NameFrequencies.of(records)
        blocked = time.perf_counter()
        blocked_true = len(candidates & truth)
        out(
            f"blocking: {stats['keys']} keys, {len(candidates)} candidate pairs, largest block "
            f"used {stats['max_block']} (largest key {stats['largest_key_size']}, "
            f"{stats['skipped']} oversized skipped); blocking recall "
            f"{blocked_true / max(len(truth), 1):.4f} ({len(truth) - blocked_true} true pairs "
            f"never proposed); {blocked - generated:.1f} s"
        )
        lowest = min([*THRESHOLDS, threshold])
        scored = score_pairs(
            records, candidates, workers=workers, frequencies=frequencies, min_score=lowest
        )
        scores = {(i, j): match for i, j, match in scored}
        scored_at = time.perf_counter()
        out(
            f"scoring: {len(candidates)} candidates ({len(scored)} past the cheap reject) in "
            f"{scored_at - blocked:.1f} s "
            f"({1e6 * (scored_at - blocked) / max(len(candidates), 1):.0f} µs per candidate)"
        )

        def exact_key(r):
            if r.birth.precision != "day":
                return None
            return (romanize(r.family_name).strip(), romanize(r.given_names).strip(), r.birth)

        exact: dict[tuple, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            if (key := exact_key(record)) is not None:
                exact[key].append(index)
        baseline = {p for members in exact.values() for p in combinations(sorted(members), 2)}

        out("")
        out(
            f"{'matcher':<34} {'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>7} "
            f"{'pairs':>8}"
        )
        precision, recall, f1 = _prf(baseline, truth)
        out(
            f"{'exact-match baseline':<34} {'-':>9} {precision:>9.4f} {recall:>7.4f} {f1:>7.4f} "
            f"{len(baseline):>8}"
        )
        for value in sorted({*THRESHOLDS, threshold}):
            found = {pair for pair, match in scores.items() if match.score >= value}
            precision, recall, f1 = _prf(found, truth)
            marker = " (default)" if value == threshold else ""
            out(
                f"{'transliteration matcher' + marker:<34} {value:>9.2f} {precision:>9.4f} "
                f"{recall:>7.4f} {f1:>7.4f} {len(found):>8}"
            )
        found = {pair for pair, match in scores.items() if match.score >= threshold}
        self._per_kind(data, truth, candidates, found)
        out(f"\nevaluation run time {time.perf_counter() - started:.1f} s")

        if not options["skip_find_pairs"]:
            # Fresh records and empty caches, as in a `duplicate_report` run.
            fresh = generate(persons, seed=seed, concentrated=concentrated).records
            clear_caches()
            began = time.perf_counter()
            report = find_pairs(fresh, threshold=threshold, workers=workers)
            out(
                f"find_pairs at {threshold:.2f} on {len(fresh)} fresh records, cold caches: "
                f"{len(report)} pairs in {time.perf_counter() - began:.1f} s "
                "(blocking + frequencies + scoring)"
            )

        if show_errors:
            self._show_errors(data, records, truth, candidates, scores, threshold, show_errors)

    def _per_kind(self, data, truth, candidates, found) -> None:
        """Figures per kind of difficulty: a true pair has the kinds of both its records
        (the corruptions a duplicate was written with, the person's own such as no birth
        date); a false pair is classed by how the two people relate."""
        out = self.stdout.write
        kinds_of = data.kinds
        by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for pair in truth:
            pair_kinds = (kinds_of[pair[0]] | kinds_of[pair[1]]) or {"plain"}
            for kind in pair_kinds:
                counts = by_kind[kind]
                counts["pairs"] += 1
                counts["blocked"] += pair in candidates
                counts["tp"] += pair in found
        for pair in found - truth:
            for kind in kinds_of[pair[0]] | kinds_of[pair[1]]:
                by_kind[kind]["fp"] += 1
        out("")
        out(
            f"{'kind of difficulty':<24} {'pairs':>6} {'blocked':>8} {'precision':>9} "
            f"{'recall':>7} {'F1':>7}"
        )
        for kind in sorted(by_kind, key=lambda k: -by_kind[k]["pairs"]):
            c = by_kind[kind]
            if not c["pairs"]:
                continue
            precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
            recall = c["tp"] / c["pairs"]
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out(
                f"{kind:<24} {c['pairs']:>6} {c['blocked'] / c['pairs']:>8.4f} "
                f"{precision:>9.4f} {recall:>7.4f} {f1:>7.4f}"
            )
        relations: dict[str, int] = defaultdict(int)
        for a, b in found - truth:
            ra, rb = data.records[a], data.records[b]
            if data.household_of[a] == data.household_of[b]:
                relation = "twins" if ra.birth and ra.birth == rb.birth else "same household"
            elif ra.name_key == rb.name_key:
                relation = "namesakes"
            else:
                relation = "other"
            relations[relation] += 1
        if relations:
            out(
                "false pairs by relation: "
                + ", ".join(f"{k} {v}" for k, v in sorted(relations.items(), key=lambda i: -i[1]))
            )

    def _show_errors(self, data, records, truth, candidates, scores, threshold, show_errors):
        out = self.stdout.write
        found = {pair for pair, match in scores.items() if match.score >= threshold}

        def show(label, pairs):
            out(f"\n{label}:")
            for a, b in list(sorted(pairs))[:show_errors]:
                ra, rb = records[a], records[b]
                match = scores.get((a, b))
                verdict = (
                    f"{match.score} {match.reasons}"
                    if match
                    else ("rejected early" if (a, b) in candidates else "not blocked")
                )
                out(
                    f"  {ra.family_name}, {ra.given_names} {ra.birth} {ra.sex} "
                    f"{ra.postcode} | {rb.family_name}, {rb.given_names} {rb.birth} "
                    f"{rb.sex} {rb.postcode} -> {verdict} "
                    f"[{', '.join(sorted(data.kinds[a] | data.kinds[b]))}]"
                )

        show("false positives", found - truth)
        show("false negatives", truth - found)
