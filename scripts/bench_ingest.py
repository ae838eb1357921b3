#!/usr/bin/env python3
"""Ingest time of the sample corpus, split into parse / clean / embed / store, beside the bare
embedder's throughput on the same texts in the same run.

Each run ingests into a fresh data directory (median of --runs).  `--write` puts the table
into docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import tempfile
import time

from benchlib import ROOT, machine, median, publish

from ingest.chunking import sentence_units
from ingest.pipeline import ingest_paths
from plandraft import settings
from plandraft.resources import make_embedder, open_store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    values = settings.load()
    embedder = make_embedder(values)
    embedder.embed_query("预热")  # the model load is not ingest time

    runs = []
    texts: list[str] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(settings.load({"DATA_DIR": tmp}), embedder=embedder)
            t0 = time.perf_counter()
            report = ingest_paths(samples, store, max_bytes=20 << 20)
            total = time.perf_counter() - t0
            t = report.timings
            runs.append({"load+parse": t["load"] + t["parse"], "clean": t["clean"], "embed": t["embed"], "store": t["store"], "total": total})
            texts = [c.text for c in store.chunks()]
            texts += sorted({u for c in store.chunks() for u in sentence_units(c.text).values()})
            n_chunks = len(store.chunks())
            store.close()
    # The bare embedder on exactly the texts ingest embedded (chunks and distinct sentences).
    bare = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        embedder.inner.embed(texts)
        bare.append(time.perf_counter() - t0)

    m = {k: median([r[k] for r in runs]) for k in runs[0]}
    bare_s = median(bare)
    lines = [
        f"Machine: {machine()}. Embedder: `{embedder.name}`. Median of {args.runs} runs, each into a fresh data directory.",
        "",
        f"Sample corpus: {len(samples)} files, {n_chunks} chunks, {len(texts)} texts embedded (chunks + distinct sentences).",
        "",
        "| stage | seconds (median) | share |",
        "|---|---|---|",
    ]
    for k in ("load+parse", "clean", "embed", "store"):
        lines.append(f"| {k} | {m[k]:.2f} | {m[k] / m['total']:.0%} |")
    lines.append(f"| **ingest total** | **{m['total']:.2f}** | 100% |")
    lines += [
        "",
        f"Bare embedder on the same {len(texts)} texts, same run: {bare_s:.2f} s ({len(texts) / bare_s:.1f} texts/s).",
        f"Ingest total ÷ bare embedding = {m['total'] / bare_s:.2f}: the pipeline around the model costs {max(m['total'] - bare_s, 0):.2f} s.",
    ]
    publish("ingest", lines, args.write)


if __name__ == "__main__":
    main()
