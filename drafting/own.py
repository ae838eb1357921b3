"""The requester's own documents: which stored plans are by the body a draft is for.

Ingest keyed every document's body (``ingest.bodies``, kept in the store's bodies table); an
admin's ``body`` override wins.  A draft for a body keeps what its own documents name — its
places, workrooms, programmes — and lists each for the editor ("出自本单位2025年计划，已保留").
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drafting.model import DraftWarning, SectionDraft
from ingest.bodies import body_key, parse_body
from ingest.model import Document

# Kinds of documents a body carries forward as its plan (a 总结 looks back).
PLAN_KINDS = ("计划", "要点", "协商计划")


@dataclass(frozen=True)
class OwnDocuments:
    """The body a request names (its key) and the stored documents that are by it."""

    key: str | None
    docs: tuple[Document, ...] = ()
    keys: dict = field(default_factory=dict, compare=False)  # doc id → its full key (with a 界别 part)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(d.id for d in self.docs)

    def plans(self) -> list[Document]:
        """The body's own plans (not a 界别's or 专委会's part), latest year first."""
        whole = [d for d in self.docs if d.kind in PLAN_KINDS and "/" not in self.keys.get(d.id, "")]
        return sorted(whole, key=lambda d: (d.year or 0, d.title), reverse=True)


def key_of(doc: Document, found: dict) -> str | None:
    """A document's body key: the admin's override (a name, normalised here), else ingest's."""
    if "body" in doc.overrides:
        return body_key(doc.overrides["body"]) or (doc.overrides["body"] or None)
    row = found.get(doc.id)
    if row is not None:
        return row.key
    return None


def own_documents(store, org_name: str | None) -> OwnDocuments:
    """The documents of the store that are by the body ``org_name`` names (none for a generic name)."""
    key = body_key(org_name)
    if key is None:
        return OwnDocuments(None)
    whole = key.split("/", 1)[0]
    found = store.bodies()
    docs, keys = [], {}
    for doc in store.documents():
        k = key_of(doc, found)
        if k and k.split("/", 1)[0] == whole:
            docs.append(doc)
            keys[doc.id] = k
    return OwnDocuments(key, tuple(docs), keys)


def other_bodies(store, own: OwnDocuments) -> dict[str, str]:
    """Document id → the body it is by, for documents of a known body other than the requester:
    a draft's share limit counts a body's plans together (two years of one district's plans
    are one source of that district's own agenda)."""
    found = store.bodies()
    out = {}
    for doc in store.documents():
        k = key_of(doc, found)
        if k and doc.id not in own.ids:
            out[doc.id] = "body:" + k.split("/", 1)[0]
    return out


@dataclass
class KnownBody:
    key: str
    name: str  # the shortest full name its documents use
    level: str
    plans: list[dict]  # {doc_id, year, title} of its own plans, latest first


def known_bodies(store) -> list[KnownBody]:
    """Every body the store holds documents of, with its plans (for the request form's list)."""
    found = store.bodies()
    by_key: dict[str, list[Document]] = {}
    names: dict[str, set[str]] = {}
    for doc in store.documents():
        k = key_of(doc, found)
        if not k:
            continue
        whole = k.split("/", 1)[0]
        by_key.setdefault(whole, []).append(doc)
        row = found.get(doc.id)
        names.setdefault(whole, set()).add(doc.overrides.get("body") or (row.name if row else whole))
    out = []
    for key, docs in sorted(by_key.items()):
        own = OwnDocuments(key, tuple(docs), {d.id: key_of(d, found) or key for d in docs})
        body = parse_body(key)
        # The short name the body's documents use (香山街道政协工委), else its key (桐溪区政协).
        short = [n for n in names[key] if n and body and n.startswith(body.place) and body_key(n) == key]
        name = min(short, key=len, default=key)
        out.append(KnownBody(key, name, body.level if body else "unknown",
                             [{"doc_id": d.id, "year": d.year, "title": d.title} for d in own.plans()]))
    return out


def note_own_particulars(section: SectionDraft, units_of, own: OwnDocuments) -> None:
    """List for the editor each name from the body's own documents a section keeps."""
    if not own.docs:
        return
    years = {d.id: d.year for d in own.docs}
    chunk_ids = [s.chunk_id for sentence in section.sentences for s in sentence.sources if s.doc_id in years]
    if not chunk_ids:
        return
    names_of: dict[str, list] = {}
    for unit in units_of(chunk_ids):
        names_of.setdefault(unit.chunk_id, []).extend(unit.particulars)
    for i, sentence in enumerate(section.sentences):
        for src in sentence.sources:
            if src.doc_id not in years:
                continue
            for p in names_of.get(src.chunk_id, ()):
                if p.text in sentence.text and not _noted(section, i, p.text):
                    year = years[src.doc_id]
                    plan = f"{year}年计划" if year else "往年文件"
                    section.warnings.append(DraftWarning("own", f"“{p.text}”出自本单位{plan}，已保留", section.role, i, p.text))


def _noted(section: SectionDraft, index: int, text: str) -> bool:
    return any(w.kind == "own" and w.sentence == index and w.text == text for w in section.warnings)
