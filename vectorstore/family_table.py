"""Near-duplicate families as the catalog holds them: what a refresh across the corpus changes.

The store applies the changes (Chroma's metadata first, then one catalog transaction); this
module only reads the rows and works out which family ids move.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass

from ingest import families as fam


@dataclass
class FamilyChanges:
    stale_signatures: list[tuple[bytes, str]]  # (signature, chunk id) for rows signed by an older scheme
    chunks: list[tuple[str, str]]  # (family id, chunk id) whose family changed
    documents: list[tuple[str, str]]  # (family id, document id)
    chunk_families: int  # families with more than one member
    document_families: int


def changes(db: sqlite3.Connection, threshold: float) -> FamilyChanges:
    chunk_rows = db.execute("SELECT id, text, minhash, family_id FROM chunks").fetchall()
    signatures: dict[str, bytes] = {}
    stale: list[tuple[bytes, str]] = []
    for r in chunk_rows:
        sig = r["minhash"]
        if not fam.is_current(sig):
            # Rows written by an older scheme (a migration, not ingest's work) are re-signed once.
            sig = fam.signature(r["text"])
            stale.append((sig, r["id"]))
        signatures[r["id"]] = sig
    chunk_family = fam.families(signatures, threshold)
    # Documents are signed from their text: no document signature is stored.
    doc_rows = db.execute("SELECT id, text, family_id FROM documents").fetchall()
    doc_family = fam.families({r["id"]: fam.signature(r["text"]) for r in doc_rows}, threshold)
    return FamilyChanges(
        stale,
        [(chunk_family[r["id"]], r["id"]) for r in chunk_rows if r["family_id"] != chunk_family[r["id"]]],
        [(doc_family[r["id"]], r["id"]) for r in doc_rows if r["family_id"] != doc_family[r["id"]]],
        _count_multi(chunk_family),
        _count_multi(doc_family),
    )


def _count_multi(family_of: dict) -> int:
    return sum(1 for n in Counter(family_of.values()).values() if n > 1)
