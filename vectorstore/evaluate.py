"""The retrieval quality harness: hit@1, hit@5 and MRR on a hand-labelled query set.

It compares, in one run and on the same embedder: dense only, BM25 only, hybrid, and a naive
LangChain baseline (RecursiveCharacterTextSplitter 500/50 over the raw files + Chroma
``similarity_search``), so the figures are side by side.
"""
from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vectorstore.search import SearchFilters, Searcher

_STRIP = re.compile(r"[\s\W_]+")


def normalise(text: str) -> str:
    """Text without white space or punctuation: how answers are matched."""
    return _STRIP.sub("", text)


@dataclass
class Scores:
    hit1: float
    hit5: float
    mrr: float
    n: int
    ms_per_query: float

    def row(self, name: str) -> str:
        return f"| {name} | {self.hit1:.3f} | {self.hit5:.3f} | {self.mrr:.3f} | {self.ms_per_query:.1f} |"


def load_queries(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["queries"]


def score(ranked_texts: list[list[list[str]]], queries: list[dict], seconds: float) -> Scores:
    """``ranked_texts[q][r]`` holds the texts standing for result r of query q (a family counts as a hit if any copy does)."""
    hit1 = hit5 = rr = 0.0
    for texts, q in zip(ranked_texts, queries):
        answer = normalise(q["answer_contains"])
        rank = next((r for r, group in enumerate(texts) if any(answer in normalise(t) for t in group)), None)
        if rank is not None:
            hit1 += rank == 0
            hit5 += rank < 5
            rr += 1.0 / (rank + 1)
    n = len(queries)
    return Scores(hit1 / n, hit5 / n, rr / n, n, 1000 * seconds / max(n, 1))


def repeated_pairs(searcher: Searcher, queries: list[dict], k: int = 5, levels=(None, "街道")) -> float:
    """Pairs of results in one top-k that repeat one passage, per search: one holds at least
    80% of the other's character pairs (copies, or one passage chunked two ways)."""
    from ingest.tokens import char_bigrams

    pairs = searches = 0
    for q in queries:
        for level in levels:
            grams = [char_bigrams(h.text) for h in searcher.search(q["query"], k=k, filters=SearchFilters(level=level))]
            searches += 1
            for i, a in enumerate(grams):
                for b in grams[i + 1:]:
                    pairs += len(a & b) >= 0.8 * max(1, min(len(a), len(b)))
    return pairs / max(searches, 1)


def run_searcher(searcher: Searcher, queries: list[dict], mode: str, k: int = 5) -> Scores:
    store = searcher.store
    texts_of = {}
    results = []
    t0 = time.perf_counter()
    for q in queries:
        hits = searcher.search(q["query"], k=k, filters=SearchFilters(), mode=mode)
        results.append(hits)
    seconds = time.perf_counter() - t0
    ranked = []
    for hits in results:
        groups = []
        for h in hits:
            group = [h.text]
            ids = [m.chunk_id for m in h.also_in]
            if ids:
                missing = [i for i in ids if i not in texts_of]
                if missing:
                    texts_of.update({c.id: c.text for c in store.chunks(ids=missing)})
                group += [texts_of[i] for i in ids if i in texts_of]
            groups.append(group)
        ranked.append(groups)
    return score(ranked, queries, seconds)


class LangChainEmbeddings:
    """Our embedder seen through LangChain's Embeddings interface (for the naive baseline)."""

    def __init__(self, embedder):
        self.embedder = embedder

    def embed_documents(self, texts):
        return [list(map(float, v)) for v in self.embedder.embed(list(texts))]

    def embed_query(self, text):
        return list(map(float, self.embedder.embed_query(text)))


def run_naive_baseline(embedder, sample_files: list[Path], queries: list[dict], k: int = 5) -> Scores:
    """RecursiveCharacterTextSplitter(500, 50) over the raw files, the same embedder, Chroma similarity_search."""
    import chromadb
    from chromadb.config import Settings
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    class _Adapter(LangChainEmbeddings, Embeddings):
        pass

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    texts, metas = [], []
    for path in sample_files:
        for piece in splitter.split_text(Path(path).read_text(encoding="utf-8")):
            texts.append(piece)
            metas.append({"source": Path(path).name})
    with tempfile.TemporaryDirectory() as tmp:
        client = chromadb.PersistentClient(path=tmp, settings=Settings(anonymized_telemetry=False))
        db = Chroma(collection_name="naive", embedding_function=_Adapter(embedder), client=client)
        db.add_texts(texts, metadatas=metas)
        t0 = time.perf_counter()
        ranked = [[[d.page_content] for d in db.similarity_search(q["query"], k=k)] for q in queries]
        seconds = time.perf_counter() - t0
    return score(ranked, queries, seconds)


def evaluate(searcher: Searcher, queries: list[dict], sample_files: list[Path] | None = None) -> dict[str, Scores]:
    """Every method on the same queries, in one run."""
    out = {mode: run_searcher(searcher, queries, mode) for mode in ("dense", "bm25", "hybrid")}
    if sample_files:
        out["naive LangChain baseline"] = run_naive_baseline(searcher.store.embedder, sample_files, queries)
    return out


def table(results: dict[str, Scores], by_kind: dict[str, dict[str, Scores]] | None = None) -> str:
    lines = ["| method | hit@1 | hit@5 | MRR | ms/query |", "|---|---|---|---|---|"]
    lines += [s.row(name) for name, s in results.items()]
    if by_kind:
        lines.append("")
        lines.append("| kind | method | hit@1 | hit@5 | MRR | ms/query |")
        lines.append("|---|---|---|---|---|---|")
        for name, kinds in by_kind.items():
            for kind, s in kinds.items():
                lines.append(f"| {name} | {kind} | {s.hit1:.3f} | {s.hit5:.3f} | {s.mrr:.3f} | {s.ms_per_query:.1f} |")
    return "\n".join(lines)
