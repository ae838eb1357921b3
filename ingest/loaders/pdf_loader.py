"""PDF: the text layer, page by page (a scanned PDF has none and is refused)."""
from __future__ import annotations

import io

from ingest.errors import IngestError
from ingest.loaders.common import exc_reason, normalise_newlines

def load(raw: bytes, source: str) -> str:
    """The PDF's text layer, pages separated by a blank line."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    # pypdf searches for the header itself, but a file that is not a PDF at all deserves a
    # plain answer rather than a parser error from deep inside.
    if b"%PDF-" not in raw[:1024]:
        raise IngestError(source, "not a valid .pdf (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        # Many PDFs carry only an owner password (no printing/copying); those open with "".
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError(source, "encrypted PDF (needs a password); save an unlocked copy")
        if len(reader.pages) == 0:
            raise IngestError(source, "not a valid .pdf (no pages)")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except IngestError:
        raise
    except DependencyError:
        # pypdf needs the optional 'cryptography' package for AES, which is what most
        # restricted (owner-password) PDFs use; it may ask for it at any step above.
        raise IngestError(
            source, "encrypted PDF (AES): install the 'cryptography' package to read it"
        ) from None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise IngestError(source, f"not a valid .pdf ({exc_reason(exc)})") from None
    pages = [normalise_newlines(p) for p in pages if p]
    if not pages:
        raise IngestError(source, "no text layer (scanned PDF?)")
    return "\n\n".join(pages)
