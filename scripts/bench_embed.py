#!/usr/bin/env python3
"""Embedding backends side by side in one run: speed, agreement with torch fp32, retrieval.

For each variant (torch fp32 / bf16, ONNX Runtime fp32 / int8, OpenVINO fp32 / bf16, as far
as their packages are installed; onnx and openvino in batches of at most 1,024 tokens, as
PLANDRAFT_EMBEDDING_BATCH_TOKENS ships; and two rows that split the default's gain into
its runtime and its batching):
- texts/s at 1 and 2 threads on the sample corpus' chunk texts (median of --runs rounds; the
  variants take turns within a round, so a change of load hits them alike);
- cosine of each chunk's vector to torch fp32's (min and mean), and how often the 5 nearest
  chunks of each labelled query are the same set as torch fp32's;
- the retrieval figures of both query sets (hit@1, hit@5, MRR; dense and hybrid), each on a
  store ingested from data/samples with that variant.
Also the store as chunked before the token limit (torch fp32, 600 characters, the model's
512-token cut silent), so the change of chunking shows on its own.

The default the project ships is the fastest variant (1 thread, as PLANDRAFT_EMBEDDING_THREADS
ships) whose retrieval figures all stay within 0.01 of torch fp32's.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402
from benchlib import ROOT, machine, median, publish  # noqa: E402

from ingest.pipeline import ingest_paths, parse_file  # noqa: E402
from vectorstore.embedder import Embedder, EmbedderError  # noqa: E402
from vectorstore.evaluate import load_queries, run_searcher  # noqa: E402
from vectorstore.search import Searcher  # noqa: E402
from vectorstore.store import CorpusStore  # noqa: E402

QUERY_SETS = ("eval_queries.json", "eval_queries_heldout.json")
# (label, backend, precision, batch_size, batch_tokens). torch fp32 at batch 32 is the reference:
# the release before issue #15 shipped it. The two rows after it separate what the default
# gains from batching alone (torch at its own fastest batch here, 8) and from the runtime
# alone (OpenVINO fp32 in batches of 32, without the token budget).
VARIANTS = (
    ("torch fp32", "torch", "fp32", 32, None),
    ("torch fp32, batch 8", "torch", "fp32", 8, None),
    ("openvino fp32, batches of 32", "openvino", "fp32", 32, 65536),
    ("torch bf16", "torch", "bf16", 32, None),
    ("onnx fp32", "onnx", "fp32", 32, 1024),
    ("onnx int8", "onnx", "int8", 32, 1024),
    ("openvino fp32", "openvino", "fp32", 32, 1024),
    ("openvino bf16", "openvino", "bf16", 32, 1024),
)
CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


def cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    line = next((x for x in text.splitlines() if x.startswith("flags")), "")
    have = set(line.split(":", 1)[-1].split())
    return ", ".join(f"{f} {'yes' if f in have else 'no'}" for f in CPU_FLAGS)


def sample_texts(limit) -> list[str]:
    chunks = []
    for path in sorted((ROOT / "data" / "samples").glob("*.txt")):
        _, found, _ = parse_file(str(path), path.read_text(encoding="utf-8"), token_limit=limit, with_units=False)
        chunks.extend(c.text for c in found)
    return chunks


def make(model: str, backend: str, precision: str, threads: int, cache: Path, batch: int = 32, tokens: int | None = None) -> Embedder:
    return Embedder(model, backend=backend, precision=precision, threads=threads, batch_size=batch,
                    batch_tokens=tokens or 1024, cache_dir=cache)


def timed(embedder: Embedder, texts: list[str]) -> float:
    if embedder.backend == "torch":
        import torch

        torch.set_num_threads(embedder.threads)  # one process, one torch pool: set it per run
    t0 = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - t0)


def top5(queries: np.ndarray, chunks: np.ndarray) -> list[set[int]]:
    return [set(np.argsort(-(chunks @ q))[:5]) for q in queries]


def retrieval(embedder, sets: dict[str, list[dict]], data: Path, limit) -> list[float]:
    """hit@1, hit@5, MRR for dense and hybrid on each set (12 figures), on a fresh store in ``data``."""
    with CorpusStore(data, embedder=embedder) as store:
        report = ingest_paths(sorted((ROOT / "data" / "samples").glob("*.txt")), store,
                              max_bytes=20 << 20, token_limit=limit)
        assert not report.errors, report.errors
        searcher = Searcher(store)
        figures = []
        for queries in sets.values():
            for mode in ("dense", "hybrid"):
                s = run_searcher(searcher, queries, mode)
                figures += [s.hit1, s.hit5, s.mrr]
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="m3e-small")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="time only the first N chunk texts (0: all)")
    ap.add_argument("--no-retrieval", action="store_true")
    ap.add_argument("--retrieval", default="", help="';'-separated variants to build a store for, e.g. "
                    "'torch fp32;onnx int8' (default: all; a variant left out shows — in the retrieval table)")
    ap.add_argument("--skip-before", action="store_true", help="build no store with the chunks as before the token limit")
    ap.add_argument("--write", action="store_true", help="put the report in docs/benchmarks.md")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="embed-bench-"))
    cache = tmp / "exported"
    reference = make(args.model, "torch", "fp32", 1, cache)
    limit = reference.token_limit()
    texts = sample_texts(limit)
    timed_texts = texts[: args.limit] if args.limit else texts
    sets = {name: load_queries(ROOT / "tests" / "data" / name) for name in QUERY_SETS}
    questions = [q["query"] for queries in sets.values() for q in queries]

    variants: dict[str, dict[int, Embedder]] = {}
    skipped: dict[str, str] = {}
    for name, backend, precision, batch, tokens in VARIANTS:
        try:
            pair = {t: make(args.model, backend, precision, t, cache, batch, tokens) for t in (1, 2)}
            for embedder in pair.values():
                # Load (and export, once) outside the timing, and let OpenVINO meet the input
                # shapes of a real batch: its first call at a new shape costs several times more.
                embedder.embed(timed_texts[:32])
            variants[name] = pair
        except EmbedderError as exc:
            skipped[name] = str(exc)
            print(f"skipped {name}: {exc}", flush=True)

    speeds: dict[tuple[str, int], list[float]] = {}
    loads = [os.getloadavg()[0]]
    for run in range(args.runs):
        for name, pair in variants.items():
            for threads, embedder in pair.items():
                speeds.setdefault((name, threads), []).append(timed(embedder, timed_texts))
        loads.append(os.getloadavg()[0])
        print(f"round {run + 1}: " + ", ".join(f"{n}/{t}: {v[-1]:.1f}" for (n, t), v in speeds.items()), flush=True)

    ref_docs = variants["torch fp32"][1].embed(texts)
    ref_top = top5(np.stack([variants["torch fp32"][1].embed_query(q) for q in questions]), ref_docs)
    rows = []
    results = {}
    for name, pair in variants.items():
        e = pair[1]
        docs = e.embed(texts)
        cos = np.sum(docs * ref_docs, axis=1)
        tops = top5(np.stack([e.embed_query(q) for q in questions]), docs)
        same = np.mean([a == b for a, b in zip(tops, ref_top)])
        overlap = np.mean([len(a & b) / 5 for a, b in zip(tops, ref_top)])
        s1, s2 = median(speeds[(name, 1)]), median(speeds[(name, 2)])
        # The ratio is the median of each round's ratio: the load here moves between rounds far
        # more than within one, and the variants of a round ran back to back.
        r1, r2 = (median([a / b for a, b in zip(speeds[(name, t)], speeds[("torch fp32", t)])]) for t in (1, 2))
        wanted = not args.no_retrieval and (not args.retrieval or name in args.retrieval.split(";"))
        figures = None if not wanted else retrieval(make(args.model, e.backend, e.precision, 2, cache, e.batch_size, e.batch_tokens), sets,
                                                    tmp / f"store-{len(results)}", limit)
        results[name] = (r1, figures)
        rows.append((name, e.name, s1, r1, s2, r2, float(cos.min()), float(cos.mean()), same, overlap, figures))
        print(name, "done", flush=True)
    before = None if args.no_retrieval or args.skip_before else retrieval(make(args.model, "torch", "fp32", 2, cache), sets, tmp / "store-before", None)

    lines = [
        f"Machine: {machine()}; CPU flags: {cpu_flags()}. Load average over the timing rounds "
        f"{min(loads):.1f}–{max(loads):.1f}. Model `{args.model}`, batch 32, {len(timed_texts)} chunk texts of the "
        f"sample corpus (cut to the model's {limit.max_tokens}-token limit), median of {args.runs} rounds; "
        f"{len(questions)} labelled queries for the top-5 agreement.",
        "",
        "| variant | store name | texts/s, 1 thread | × torch fp32 (median of rounds' ratios) | texts/s, 2 threads | × torch fp32 | min cosine | mean cosine | same top-5 set | top-5 overlap |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, store_name, s1, r1, s2, r2, cmin, cmean, same, overlap, _ in rows:
        lines.append(f"| {name} | `{store_name}` | {s1:.1f} | {r1:.2f} | {s2:.1f} | {r2:.2f} | {cmin:.5f} | {cmean:.5f} | {same:.2f} | {overlap:.2f} |")
    for name, why in skipped.items():
        lines.append(f"| {name} | not run: {why} | | | | | | | | |")
    if not args.no_retrieval:
        head = " | ".join(f"{s} {m}" for s in ("eval", "heldout") for m in ("dense", "hybrid"))
        lines += ["", "Retrieval, each on a store ingested from data/samples with that variant: hit@1 / hit@5 (MRR).", "",
                  f"| variant | {head} | largest change from torch fp32 |", "|---|---|---|---|---|---|"]
        ref = results["torch fp32"][1]
        table = [(row[0], row[-1]) for row in rows]
        table.append(("torch fp32, chunks as before (600 characters, the 512-token cut silent)", before))
        for name, figures in table:
            if figures is None:
                lines.append(f"| {name} | not built in this run | | | | |")
                continue
            cells = [f"{figures[i]:.3f} / {figures[i + 1]:.3f} ({figures[i + 2]:.3f})" for i in range(0, 12, 3)]
            worst = max(abs(a - b) for a, b in zip(figures, ref))
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {worst:.3f} |")
        eligible = [(r1, name) for name, (r1, figures) in results.items() if figures is not None and max(abs(a - b) for a, b in zip(figures, ref)) <= 0.01]
        best = max(eligible)[1]
        lines += ["", f"Fastest at 1 thread with every retrieval figure within 0.01 of torch fp32: **{best}** "
                  f"({results[best][0]:.2f}× torch fp32 at 1 thread)."]
    if "torch fp32, batch 8" in variants and "openvino fp32" in variants:
        fair = [median([a / b for a, b in zip(speeds[("openvino fp32", t)], speeds[("torch fp32, batch 8", t)])]) for t in (1, 2)]
        lines += ["", f"openvino fp32 against torch fp32 at torch's own fastest batch (8): {fair[0]:.2f}× at 1 thread, "
                  f"{fair[1]:.2f}× at 2 (median of the rounds' ratios)."]
    publish("embed", lines, args.write)


if __name__ == "__main__":
    main()
