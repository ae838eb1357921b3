#!/usr/bin/env python3
"""Search latency (p50 / p95, warm) and ingest throughput on the sample corpus and on a
synthetic corpus 100× its size, in one run.

The synthetic corpus recombines real paragraphs of the on-topic sample documents into new
plans with varied organisation names, levels and years — as real compilations repeat one
another with small edits.  Queries are the labelled eval queries.
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, machine, median, percentile, publish

from ingest.clean import clean_text
from ingest.pipeline import ingest_paths
from ingest.split import split_documents
from ingest.textkit import cn_numeral
from plandraft import settings
from plandraft.resources import make_embedder, open_store
from vectorstore.evaluate import load_queries
from vectorstore.search import SearchFilters, Searcher

PLACES = ["城南", "城北", "东湖", "西山", "青松", "白石", "金桥", "柳岸", "石门", "新河", "云台", "桃源", "凤凰", "平湖", "长乐", "永安"]
BODIES = {
    "乡镇": ("镇", "镇政协工作组", "镇党委"),
    "街道": ("街道", "街道政协工委", "街道党工委"),
    "县区": ("区", "区政协", "区委"),
    "市": ("市", "市政协", "市委"),
}


def paragraphs() -> list[tuple[str, list[str]]]:
    """(heading, body lines) of every numbered section of the on-topic sample documents."""
    from ingest.classify import topic
    from ingest.structure import parse_heading

    out = []
    for path in sorted((ROOT / "data" / "samples").glob("*.txt")):
        for doc in split_documents(clean_text(path.read_text(encoding="utf-8"))):
            if not topic(doc.text)[0]:
                continue
            heading, body = None, []
            for line in doc.text.split("\n"):
                h = parse_heading(line)
                if h is not None and h.style == "cn":
                    if heading and body:
                        out.append((heading, body))
                    heading, body = h.title, []
                elif heading:
                    body.append(line)
            if heading and body:
                out.append((heading, body))
    return out


def synthesize(folder: Path, n_docs: int, seed: int = 7) -> int:
    """Write ``n_docs`` plans recombined from real sections; returns the bytes written."""
    rng = random.Random(seed)
    sections = paragraphs()
    total = 0
    for i in range(n_docs):
        level = rng.choice(list(BODIES))
        suffix, body, party = BODIES[level]
        place = rng.choice(PLACES) + rng.choice(PLACES)[0] + suffix
        year = rng.randint(2015, 2026)
        org = place + body[len(suffix):] if body.startswith(suffix) else place + body
        lines = [f"{org}{year}年工作计划", f"{year}年，{org}在{place}{party[len(suffix):] if party.startswith(suffix) else party}的领导下，围绕中心、服务大局，认真履行各项职能。"]
        for n, (heading, body_lines) in enumerate(rng.sample(sections, k=min(len(sections), rng.randint(4, 7)))):
            lines.append(f"{cn_numeral(n + 1)}、{heading}")
            lines.extend(body_lines)
        text = "\n".join(lines) + "\n"
        (folder / f"synthetic_{i:05d}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def latency(searcher: Searcher, queries: list[dict], repeats: int) -> tuple[float, float, float]:
    searcher.search("预热", k=5)  # builds the lexical index: not part of a warm search
    for q in queries[:5]:
        searcher.search(q["query"], k=5)
    times = []
    levels = [None, "乡镇", "街道", "县区", "市"]
    for r in range(repeats):
        for j, q in enumerate(queries):
            level = levels[(r + j) % len(levels)]
            t0 = time.perf_counter()
            searcher.search(q["query"], k=5, filters=SearchFilters(level=level))
            times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 50), percentile(times, 95), len(times)


def measure(name: str, files: list[Path], embedder, queries, repeats: int, data_dir: Path, ingest: bool, runs: int) -> dict:
    """Ingest ``files`` into a store at ``data_dir`` (unless ``ingest`` is false: the store is
    already there from an earlier run), then time warm searches on it ``runs`` times."""
    store = open_store(settings.load({"DATA_DIR": str(data_dir)}), embedder=embedder)
    size = sum(f.stat().st_size for f in files)
    row = {"name": name, "files": len(files), "mb": size / 1e6}
    if ingest:
        t0 = time.perf_counter()
        report = ingest_paths(files, store, max_bytes=20 << 20)
        seconds = time.perf_counter() - t0
        row.update(docs=len(report.documents), ingest_s=seconds, mb_per_min=size / 1e6 / seconds * 60,
                   embed_s=report.timings["embed"])
    else:
        row.update(docs=len(store.documents()))
    row["chunks"] = len(store.chunks())
    searcher = Searcher(store)
    timings = [latency(searcher, queries, repeats) for _ in range(runs)]
    row["p50"] = median([t[0] for t in timings])
    row["p95s"] = [t[1] for t in timings]
    row["p95"] = median(row["p95s"])
    row["n"] = timings[0][2]
    store.close()
    return row


def figure(row: dict, key: str, spec: str) -> str:
    return format(row[key], spec) if key in row else "—"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=100, help="synthetic corpus size as a multiple of the sample corpus")
    ap.add_argument("--repeats", type=int, default=3, help="passes over the query set per timing run")
    ap.add_argument("--runs", type=int, default=3, help="timing runs per corpus; the table shows their medians")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--workdir", type=Path, help="keep the corpora and stores here (default: a temporary folder)")
    ap.add_argument("--search-only", action="store_true",
                    help="time searches on the stores an earlier run left in --workdir; no ingest")
    args = ap.parse_args()
    if args.search_only and not args.workdir:
        ap.error("--search-only needs the --workdir of an earlier run")
    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    sample_bytes = sum(f.stat().st_size for f in samples)
    queries = load_queries(ROOT / "tests" / "data" / "eval_queries.json")
    embedder = make_embedder(settings.load())
    embedder.embed_query("预热")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        ingest = not args.search_only
        rows.append(measure("sample", samples, embedder, queries, args.repeats, work / "sample", ingest, args.runs))
        synth = work / f"synthetic{args.scale}"
        if ingest:
            synth.mkdir(parents=True, exist_ok=True)
            for f in synth.iterdir():
                f.unlink()
            # Size the synthetic documents' count so their bytes are ``scale`` × the sample's.
            probe = synthesize(synth, 20)
            for f in synth.iterdir():
                f.unlink()
            synthesize(synth, max(1, int(args.scale * sample_bytes / (probe / 20))))
        files = sorted(synth.iterdir())
        rows.append(measure(f"synthetic {args.scale}×", files, embedder, queries, args.repeats,
                            work / f"store{args.scale}", ingest, args.runs))
    lines = [
        f"Machine: {machine()}. Embedder: `{embedder.name}`. Warm searches: hybrid, k=5, the {len(queries)} eval queries × {args.repeats} passes "
        f"per timing run, level filter rotating over none/乡镇/街道/县区/市; p50 and p95 are medians of {args.runs} timing runs (each run's p95 in brackets).",
        "",
        "| corpus | files | MB | documents | chunks | ingest s | MB/min | of which embedding s | search p50 ms | search p95 ms | searches per run |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['name']} | {r['files']} | {r['mb']:.2f} | {r['docs']} | {r['chunks']} | {figure(r, 'ingest_s', '.0f')} "
                     f"| {figure(r, 'mb_per_min', '.2f')} | {figure(r, 'embed_s', '.0f')} | {r['p50']:.1f} | {r['p95']:.1f} ({', '.join(f'{v:.0f}' for v in r['p95s'])}) | {r['n']} |")
    publish("search", lines, args.write)


if __name__ == "__main__":
    main()
