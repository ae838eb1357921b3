"""Word 97–2003 documents (.doc) through Debian's catdoc.

Measured on a .doc LibreOffice wrote from a Chinese plan (tests/data/sample_plan.doc):
``catdoc -w -d utf-8`` gives the text exactly, one paragraph a line; antiword refuses a
one-page file ("text stream of this file is too small to handle") and, on a longer one,
wraps lines mid-sentence unless told ``-w 0``.  catdoc it is.  The format marks no headings
that catdoc reports, so the text is plain; ``一、`` headings are found later as in any text.
"""
from __future__ import annotations

from ingest.errors import IngestError
from ingest.loaders import external

# Every .doc is an OLE2 compound file; anything else would be echoed back by catdoc as text.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def load(raw: bytes, source: str) -> str:
    if not raw.startswith(_OLE2_MAGIC):
        hint = " (a .docx renamed?)" if raw.startswith(b"PK") else ""
        raise IngestError(source, f"not a valid .doc (no OLE2 header){hint}")
    out = external.run("catdoc", ["-w", "-d", "utf-8"], source, stdin=raw)
    return out.decode("utf-8", "replace")
