"""The hostile documents of issue 6, each with the outcome ingest must give it.

Every case writes its input into a temporary folder (nothing big is committed) and says what
must happen: ``Refused`` — one IngestError naming the file, with a one-line reason containing
the given words, and nothing stored for it — or ``Ingested`` — stored, with words that must
and must not appear in the stored text.

The cases are written in hostile_files.py and hostile_contents.py, on the helpers of
hostile_kit.py; this module lists them in order and runs them.

Run this file to print the outcome table kept in docs/reliability.md:

    .venv/bin/python tests/reliability/hostile_inputs.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import hostile_contents
import hostile_files
from hostile_kit import PLAN, ROOT, Ingested, Refused, write

# Every case, in the order of the table in docs/reliability.md.
CASES = [*hostile_files.CASES, *hostile_contents.CASES]

__all__ = ["CASES", "PLAN", "Ingested", "Refused", "good_file", "outcomes"]


def good_file(folder: Path) -> Path:
    """A real scraped sample: ingested before the hostile inputs and checked after them."""
    return write(folder, "good/before.txt", (ROOT / "data" / "samples" / "004_29262842a4a6cc4f.txt").read_bytes())


# --- the outcome table -------------------------------------------------------------------------


def outcomes(folder: Path, store, max_bytes: int = 20 * 1024 * 1024) -> list[dict]:
    """Ingest every case one by one into ``store``; what happened to each, with its time."""
    import time

    from ingest.pipeline import ingest_paths, source_key

    rows = []
    for c in CASES:
        sub = folder / f"case{len(rows):02d}"
        sub.mkdir()
        path = c.build(sub)
        t0 = time.perf_counter()
        report = ingest_paths([path], store, max_bytes=max_bytes)
        seconds = time.perf_counter() - t0
        key = source_key(path) if path.exists() else str(path)
        docs = [d for d in report.documents if d["source"] == key]
        rows.append({
            "case": c,
            "path": path,
            "source": key,
            "errors": report.errors,
            "documents": docs,
            "chunks": sum(d["chunks"] for d in docs),
            "seconds": seconds,
        })
    return rows


def _table(rows: list[dict]) -> str:
    out = ["| # | input | what it is | expected | outcome | s |", "|---|---|---|---|---|---|"]
    for n, row in enumerate(rows, 1):
        c = row["case"]
        expected = "refused" if isinstance(c.expect, Refused) else "ingested"
        if row["errors"]:
            outcome = "refused: `" + "; ".join(e["error"] for e in row["errors"]) + "`"
        else:
            outcome = f"ingested: {len(row['documents'])} documents, {row['chunks']} chunks"
        name = c.name.replace("|", "\\|")
        out.append(f"| {n} | `{name}` | {c.what} | {expected} | {outcome.replace('|', '¦')} | {row['seconds']:.2f} |")
    return "\n".join(out)


def main() -> None:
    import tempfile

    sys.path.insert(0, str(ROOT))
    from vectorstore.embedder import HashingEmbedder
    from vectorstore.store import CorpusStore

    with tempfile.TemporaryDirectory() as tmp:
        store = CorpusStore(Path(tmp) / "store", embedder=HashingEmbedder())
        folder = Path(tmp) / "in"
        folder.mkdir()
        rows = outcomes(folder, store)
        store.close()
    print(_table(rows))


if __name__ == "__main__":
    main()
