"""What the store indexes each chunk by, computed once by ingest and handed to the store.

The store persists these beside the chunk (the catalog's token lists, sentence links and
MinHash column; the vector-reuse key) and never derives them itself, so what search and
the family grouping read is exactly what ingest computed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ingest.chunking import sentence_units
from ingest.families import signature
from ingest.model import Chunk
from ingest.textkit import LINE_NUMBERING
from ingest.tokens import tokenize


@dataclass(frozen=True)
class ChunkIndex:
    """One chunk's derived fields."""

    tokens: list[str]  # BM25 tokens: jieba words and character bigrams
    sentences: dict[str, str]  # sentence vector id → sentence text (ids are content hashes)
    minhash: bytes  # the near-duplicate signature (ingest.families)
    text_key: str  # the text with numbering and white space removed: copies share a vector


def text_key(text: str) -> str:
    """A chunk's text with its numbering and white space removed: copies share one key.

    The corpus repeats whole passages renumbered (二、 in one copy, 四、 in another).
    """
    return re.sub(r"\s+", "", LINE_NUMBERING.sub("", text))


def index_chunk(chunk: Chunk) -> ChunkIndex:
    return ChunkIndex(
        tokens=tokenize(chunk.text),
        sentences=sentence_units(chunk.text),
        minhash=signature(chunk.text),
        text_key=text_key(chunk.text),
    )


def index_chunks(chunks: Iterable[Chunk]) -> dict[str, ChunkIndex]:
    """Chunk id → its derived fields, for :meth:`vectorstore.store.CorpusStore.replace_source`."""
    return {c.id: index_chunk(c) for c in chunks}
