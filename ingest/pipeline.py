"""Files in, documents and chunks out, into the store: the whole of ingest in one place.

``parse_text`` is pure (text → documents and chunks) so tests and benchmarks can call it
without a store; ``ingest_paths`` loads files, parses them and hands each file's result
to the store, which replaces that source's old documents atomically.
"""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ingest.activities import file_activities
from ingest.blurbs import is_blurb_only
from ingest.bodies import document_body, mark_body_particulars
from ingest.chunking import chunk_document
from ingest.classify import classify
from ingest.clean import clean_text
from ingest.errors import IngestError
from ingest.indexing import index_chunks
from ingest.lexicon import rules_version
from ingest.loaders import SUPPORTED_SUFFIXES, load_file
from ingest.model import Chunk, Document, content_hash
from ingest.corpus_index import corpus_signals
from ingest.split import split_documents
from ingest.units import Unit, build_units


@dataclass
class ParsedFile:
    source: str
    fingerprint: str
    documents: list[Document]
    chunks: list[Chunk]


@dataclass
class IngestReport:
    """What one ingest run did; ``to_dict`` is the CLI's ``--json`` output."""

    documents: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    ocr: list[dict] = field(default_factory=list)  # {"source", "pages"}: text read by OCR, not a text layer
    chunks: int = 0
    activities: int = 0
    families: dict = field(default_factory=dict)
    signals: dict = field(default_factory=dict)  # corpus-wide signals found, by kind
    timings: dict = field(default_factory=lambda: {"load": 0.0, "clean": 0.0, "parse": 0.0, "embed": 0.0, "store": 0.0})

    @property
    def off_topic(self) -> int:
        return sum(1 for d in self.documents if not d["on_topic"])

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "errors": self.errors,
            "unchanged": self.unchanged,
            "ocr": self.ocr,
            "summary": {
                "documents": len(self.documents),
                "chunks": self.chunks,
                "activities": self.activities,
                "families": self.families,
                "off_topic": self.off_topic,
                "unchanged_files": len(self.unchanged),
                "errors": len(self.errors),
            },
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def parse_text(source: str, raw_text: str, *, max_chunk_chars: int = 600, timings: dict | None = None,
               token_limit: TokenLimit | None = None) -> tuple[list[Document], list[Chunk]]:
    """Clean a file's text, split it into documents, classify them and cut them into chunks."""
    documents, chunks, _ = parse_file(source, raw_text, max_chunk_chars=max_chunk_chars, timings=timings, with_units=False,
                                      token_limit=token_limit)
    return documents, chunks


def parse_file(source: str, raw_text: str, *, max_chunk_chars: int = 600, timings: dict | None = None,
               with_units: bool = True, token_limit: TokenLimit | None = None) -> tuple[list[Document], list[Chunk], list[Unit]]:
    """``parse_text`` and each document's units (its plan items, with their signals).

    ``token_limit`` is the embedding model's: no chunk is longer than it reads whole.
    """
    t0 = time.perf_counter()
    cleaned = clean_text(raw_text)
    t1 = time.perf_counter()
    documents: list[Document] = []
    chunks: list[Chunk] = []
    units: list[Unit] = []
    # A stretch with no letter or digit at all (a separator line of ——— or ***, a page of
    # punctuation) is not a document; nor is one that holds only the site's words (a page of
    # writing advice under a plan's title).
    found = [raw for raw in split_documents(cleaned)
             if any(ch.isalnum() for ch in raw.text) and not is_blurb_only(f"{raw.title or ''}\n{raw.text}")]
    for index, raw in enumerate(found):
        label = classify(raw.text, raw.title)
        doc_id = content_hash(source, str(index), raw.text)
        title = raw.title or _first_heading(raw.text)
        body = document_body(title, raw.text, label.org_name)
        documents.append(
            Document(
                id=doc_id,
                source=source,
                index=index,
                title=title,
                level=label.level,
                year=label.year,
                kind=label.kind,
                org_name=label.org_name,
                on_topic=label.on_topic,
                topic_reason=label.topic_reason,
                text=raw.text,
                span=(raw.start, raw.end),
                body=body.key if body else None,
                body_name=body.name if body else None,
            )
        )
        doc_chunks = chunk_document(doc_id, source, raw.text, max_chunk_chars, token_limit)
        chunks.extend(doc_chunks)
        if with_units:
            doc_units = build_units(doc_id, raw.text, doc_chunks)
            mark_body_particulars(body, doc_units)  # its own names, for other bodies' drafts
            units.extend(doc_units)
    if timings is not None:
        timings["clean"] = timings.get("clean", 0.0) + (t1 - t0)
        timings["parse"] = timings.get("parse", 0.0) + (time.perf_counter() - t1)
    if not documents:
        raise IngestError(source, "no text left after cleaning (only site furniture?)")
    return documents, chunks, units


def _first_heading(text: str) -> str:
    first = text.split("\n", 1)[0].lstrip("# ").strip()
    return first[:30] + ("…" if len(first) > 30 else "")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line; folders contribute every supported file below them."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            # "~$name.docx" is the owner file Word or Excel keeps beside an open document.
            files.extend(sorted(f for f in path.rglob("*")
                                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not f.name.startswith("~$")))
        else:
            files.append(path)
    return files


def source_key(path: Path) -> str:
    """How a file is known in the store: its absolute path, so any spelling of it matches."""
    return str(path.resolve())


@contextmanager
def ingest_lock(data_dir: Path):
    """One ingest at a time per data directory, across processes (CLI, web admin, cron)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield


def ingest_paths(
    paths: Iterable[str | Path],
    store,
    *,
    max_bytes: int,
    max_chunk_chars: int = 600,
    token_limit: TokenLimit | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Ingest files into ``store``; one bad file is reported and skipped, never fatal.

    ``token_limit`` is the store's embedder's (``embedder.token_limit()``): chunks are cut so
    that the model reads each one whole.

    Two ingests into the same store are serialized by a lock file in its data directory.
    """
    data_dir = getattr(store, "data_dir", None)
    if data_dir is None:
        return _ingest(paths, store, max_bytes=max_bytes, max_chunk_chars=max_chunk_chars, token_limit=token_limit, on_file=on_file)
    with ingest_lock(data_dir):
        return _ingest(paths, store, max_bytes=max_bytes, max_chunk_chars=max_chunk_chars, token_limit=token_limit, on_file=on_file)


def _ingest(paths, store, *, max_bytes: int, max_chunk_chars: int, token_limit: TokenLimit | None, on_file) -> IngestReport:
    report = IngestReport()
    timings = report.timings
    for path in expand_paths(paths):
        source = source_key(path) if path.exists() else str(path)
        try:
            t0 = time.perf_counter()
            # The file's bytes and the rules that parsed them: new rules re-parse every file.
            stored = store.fingerprint(source)
            loaded = load_file(path, max_bytes=max_bytes, unchanged=lambda raw: stored == f"{raw}+{rules_version()}")
            timings["load"] += time.perf_counter() - t0
            if loaded is None:
                report.unchanged.append(source)
                report.documents.extend(_doc_summary(d, store) for d in store.documents() if d.source == source)
                continue
            fingerprint = f"{loaded.fingerprint}+{rules_version()}"
            documents, chunks, units = parse_file(source, loaded.text, max_chunk_chars=max_chunk_chars, timings=timings,
                                                   token_limit=token_limit)
            t0 = time.perf_counter()
            indexing = index_chunks(chunks)
            activities = file_activities(documents, loaded.tables)
            timings["parse"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            embed_before = getattr(store.embedder, "seconds", 0.0)
            store.replace_source(source, fingerprint, documents, chunks, units, indexing=indexing, activities=activities)
            embedded = getattr(store.embedder, "seconds", 0.0) - embed_before
            timings["embed"] += embedded
            timings["store"] += time.perf_counter() - t0 - embedded
            report.chunks += len(chunks)
            report.activities += len(activities)
            if loaded.ocr_pages:
                report.ocr.append({"source": source, "pages": list(loaded.ocr_pages)})
            report.documents.extend(_doc_summary(d, store, chunks) for d in documents)
        except IngestError as exc:
            report.errors.append({"source": exc.source, "error": exc.reason})
        except Exception as exc:  # a bug or a store failure must not hide the other files' results
            report.errors.append({"source": source, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            if on_file is not None:
                on_file(path)
    if report.documents or report.removed:
        t0 = time.perf_counter()
        report.families = store.refresh_families()
        timings["store"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        report.signals = refresh_corpus_signals(store)
        timings["parse"] += time.perf_counter() - t0
    return report


def refresh_corpus_signals(store) -> dict[str, int]:
    """Find what needs the whole corpus (damaged copies, typos) and store it with the units."""
    rows = store.unit_sentences()
    found = corpus_signals(rows)
    store.set_corpus_signals(found)
    counts: dict[str, int] = {}
    for findings in found.values():
        for f in findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
    return counts


def _doc_summary(doc: Document, store, chunks: list[Chunk] | None = None) -> dict:
    if chunks is None:
        count = len(store.chunks(doc_id=doc.id))
    else:
        count = sum(1 for c in chunks if c.doc_id == doc.id)
    return {**doc.metadata(), "chunks": count}
