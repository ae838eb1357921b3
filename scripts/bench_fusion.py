#!/usr/bin/env python3
"""Retrieval quality of search variants, side by side in one run, on both labelled query sets.

The shipped hybrid (dense and BM25 scores scaled to 0..1 and averaged) against
reciprocal-rank fusion, other dense weights, and the hybrid without the glossary or without
sentence vectors.  Reads the store at PLANDRAFT_DATA_DIR (ingest data/samples first).
"""
from __future__ import annotations

import argparse

from benchlib import ROOT, machine, publish

from plandraft import settings
from plandraft.resources import open_store
from vectorstore.evaluate import load_queries, repeated_pairs, run_searcher
from vectorstore.search import Searcher

QUERY_SETS = ("eval_queries.json", "eval_queries_heldout.json")
VARIANTS = {
    "hybrid as shipped (mean of scaled scores, dense weight 0.5)": {},
    "reciprocal-rank fusion (k = 60)": {"fusion": "rrf"},
    "dense weight 0.3": {"dense_weight": 0.3},
    "dense weight 0.4": {"dense_weight": 0.4},
    "dense weight 0.6": {"dense_weight": 0.6},
    "dense weight 0.7": {"dense_weight": 0.7},
    "without the glossary": {"use_glossary": False},
    "without sentence vectors": {"use_units": False},
    "without collapsing a passage chunked two ways": {"collapse_copies": False},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    store = open_store(settings.load())
    if not store.chunks():
        raise SystemExit("the store is empty: run `plandraft ingest data/samples` first")
    sets = {name: load_queries(ROOT / "tests" / "data" / name) for name in QUERY_SETS}
    header = " | ".join(f"{name}: all | reworded" for name in QUERY_SETS)
    lines = [
        f"Machine: {machine()}. Embedder: `{store.embedder.name}`. Hybrid search, k = 5, no filters; "
        "each cell is hit@1 / hit@5 (MRR). Last column: pairs of results in one top 5 that repeat one passage "
        "(one holds ≥ 80% of the other's character pairs), per search, over both sets' queries with no level and with 街道.",
        "",
        f"| variant | {header} | repeated pairs per top 5 |",
        "|---|" + "---|" * (2 * len(QUERY_SETS) + 1),
    ]
    for label, options in VARIANTS.items():
        searcher = Searcher(store, **options)
        cells = []
        for queries in sets.values():
            reworded = [q for q in queries if q["kind"] == "paraphrase"]
            for subset in (queries, reworded):
                s = run_searcher(searcher, subset, "hybrid")
                cells.append(f"{s.hit1:.3f} / {s.hit5:.3f} ({s.mrr:.3f})")
        repeats = repeated_pairs(searcher, [q for queries in sets.values() for q in queries])
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {repeats:.2f} |")
        print(lines[-1], flush=True)
    store.close()
    publish("fusion", lines, args.write)


if __name__ == "__main__":
    main()
