#!/usr/bin/env python3
"""The 校对 checker against its hand-labelled set (tests/data/proofread_gold.json): precision and
recall per kind of finding, written to docs/benchmarks.md with --write."""
from __future__ import annotations

import argparse
import json

from benchlib import machine, publish

from proofread.evaluation import GOLD, score


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", action="store_true", help="put the table in docs/benchmarks.md")
    args = ap.parse_args()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    sentences = gold["sentences"]
    clean = sum(1 for s in sentences if not s["faults"])
    real = sum(1 for s in sentences if s["origin"] != "seeded")
    result = score()
    lines = [
        "## Proofreading (`scripts/bench_proofread.py`, `tests/data/proofread_gold.json`)",
        "",
        f"{len(sentences)} hand-labelled sentences ({real} from the sample corpus, {len(sentences) - real} seeded; "
        f"{clean} without a fault). A finding is right when a labelled fault of its kind covers some of its "
        "characters; a fault is found when a finding of its kind does. The test asks for precision ≥ 0.95 overall "
        "and recall ≥ 0.85 on each kind.",
        "",
        result.table(),
        "",
        "Missed: " + ("; ".join(f"{kind} “{text}”" for _, kind, text in result.missed) or "none") + ".",
        "Reported but not labelled: " + ("; ".join(f"{kind} “{text}”" for _, kind, text in result.wrong) or "none") + ".",
        "",
        f"Machine: {machine()}.",
    ]
    publish("proofread", lines, args.write)


if __name__ == "__main__":
    main()
