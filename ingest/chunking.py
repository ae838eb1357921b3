"""Chunks that follow a plan's structure: one section each, long sections cut at sentence ends."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ingest.model import Chunk, content_hash
from ingest.structure import Section, find_foreign_names, find_placeholders, section_role, sections
from ingest.textkit import ENUMERATOR, SENTENCE_OR_LINE_END

# Where a long section may be cut: after a sentence end, or before an inline 一是/二是 item.
_CUT = re.compile(SENTENCE_OR_LINE_END.pattern + rf"|(?={ENUMERATOR}[\u4e00-\u9fff])")


@dataclass(frozen=True)
class TokenLimit:
    """The embedding model's input limit, handed down by whoever configured both ingest and
    the embedder.  A chunk over ``max_tokens`` (as ``count`` counts them, special tokens
    included) would be cut by the model, its tail never embedded, and nobody told."""

    max_tokens: int
    count: Callable[[str], int]

    def fits(self, text: str) -> bool:
        return self.count(text) <= self.max_tokens


def chunk_document(doc_id: str, source: str, text: str, max_chars: int = 600,
                   token_limit: TokenLimit | None = None) -> list[Chunk]:
    """Cut one document's text into chunks.

    Together the chunks cover the whole text, in order, each character once (white
    space between sections aside).  A heading line with nothing under it but sub-headings
    is joined to its first sub-section, so no chunk is a bare title.  With a
    ``token_limit``, a piece the model could not read whole is cut again, at sentence ends
    where it can be, until every chunk fits.
    """
    chunks: list[Chunk] = []
    for section in _merge_bare_headings(sections(text)):
        spans = _pieces(text, section.start, section.end, max_chars)
        if token_limit is not None:
            spans = [span for s, e in spans for span in _fit(text, s, e, token_limit)]
        for start, end in spans:
            piece = text[start:end]
            chunks.append(
                Chunk(
                    id=content_hash(doc_id, str(start), piece),
                    doc_id=doc_id,
                    source=source,
                    text=piece,
                    heading_path=list(section.heading_path),
                    section_role=section_role(section.heading_path, piece),
                    span=(start, end),
                    placeholders=find_placeholders(piece),
                    foreign_names=find_foreign_names(piece),
                )
            )
    return chunks


_UNIT_END = SENTENCE_OR_LINE_END


def sentence_units(text: str, min_chars: int = 8) -> dict[str, str]:
    """The sentences of a chunk worth a vector of their own, keyed by a hash of their text.

    A question about one sentence of a long chunk is nearer that sentence's vector than the
    whole chunk's.  Keys are content hashes, so a sentence repeated across the corpus has
    one vector.
    """
    units: dict[str, str] = {}
    for piece in _UNIT_END.split(text):
        piece = piece.strip().lstrip("#").strip()
        if len(piece) >= min_chars:
            units["u" + content_hash(piece)] = piece
    return units


def _merge_bare_headings(found: list[Section]) -> list[Section]:
    """Fold a section that is only its heading line into the section after it."""
    merged: list[Section] = []
    carry: Section | None = None
    for section in found:
        if carry is not None:
            section = Section(section.heading_path, carry.start, section.end, carry.lines + section.lines)
            carry = None
        bare = len(section.lines) == 1 and len(section.lines[0]) <= 40 and section.heading_path
        if bare:
            carry = section
            continue
        merged.append(section)
    if carry is not None:
        merged.append(carry)
    return merged


def _fit(text: str, start: int, end: int, limit: TokenLimit) -> list[tuple[int, int]]:
    """text[start:end] as spans that each fit ``limit``: cut to the length the token count
    says should fit, then checked again (a Latin word is one token for several characters)."""
    tokens = limit.count(text[start:end])
    if tokens <= limit.max_tokens or end - start <= 1:
        return [(start, end)]
    shorter = max(1, min(end - start - 1, (end - start) * limit.max_tokens // tokens - 1))
    return [span for s, e in _pieces(text, start, end, shorter) for span in _fit(text, s, e, limit)]


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Spans of at most ``max_chars`` covering text[start:end], cut at sentence ends when possible."""
    if end - start <= max_chars:
        return [(start, end)]
    cuts = [m.start() + start for m in _CUT.finditer(text[start:end])]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_cut = None
    for cut in cuts + [end]:
        if cut - piece_start > max_chars:
            if last_cut is not None and last_cut > piece_start:
                pieces.append((piece_start, last_cut))
                piece_start = last_cut
            # A single sentence longer than the limit is cut hard.
            while cut - piece_start > max_chars:
                pieces.append((piece_start, piece_start + max_chars))
                piece_start += max_chars
        last_cut = cut
    if piece_start < end:
        pieces.append((piece_start, end))
    # Strip the newline a cut may leave at a piece's edge; spans stay exact.
    out = []
    for s, e in pieces:
        while s < e and text[s] == "\n":
            s += 1
        while e > s and text[e - 1] == "\n":
            e -= 1
        if e > s:
            out.append((s, e))
    return out
