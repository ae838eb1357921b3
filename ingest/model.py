"""What ingest produces: documents (one past plan each) and their chunks.

These are plain data; the store persists them and drafting reads them back.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from ingest.domain import LEVELS, SECTION_ROLES  # noqa: F401 - the values a Document and Chunk take

# 文种
KINDS = ("计划", "总结", "要点", "协商计划", "讲话", "other")


def content_hash(*parts: str, length: int = 16) -> str:
    """A stable id from content, so re-ingesting the same text yields the same id."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


@dataclass
class Document:
    """One plan (or summary, speech …) found inside a source file."""

    id: str
    source: str  # the file it came from, as given to ingest
    index: int  # position of the document within its file, from 0
    title: str
    level: str
    year: int | None
    kind: str
    org_name: str | None
    on_topic: bool
    topic_reason: str
    text: str  # cleaned text of this document
    span: tuple[int, int]  # character span of ``text`` within the cleaned file text
    family_id: str | None = None
    overrides: dict = field(default_factory=dict)  # fields corrected by hand (kept across re-ingest)
    body: str | None = None  # whose plan: the body's normalised key, 上城区政协 (ingest.bodies)
    body_name: str | None = None  # that body's name as the document writes it

    def to_dict(self) -> dict:
        d = asdict(self)
        d["span"] = list(self.span)
        return d

    def metadata(self) -> dict:
        """What lists and reports show of a document: everything but its text."""
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "level": self.level,
            "year": self.year,
            "kind": self.kind,
            "org_name": self.org_name,
            "on_topic": self.on_topic,
            "topic_reason": self.topic_reason,
            "family_id": self.family_id,
        }


@dataclass
class Chunk:
    """A piece of one section of one document; never spans two sections."""

    id: str
    doc_id: str
    source: str
    text: str
    heading_path: list[str]
    section_role: str
    span: tuple[int, int]  # character span within the document's text
    placeholders: list[str] = field(default_factory=list)
    foreign_names: list[str] = field(default_factory=list)
    family_id: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["span"] = list(self.span)
        return d
