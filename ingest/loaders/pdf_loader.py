"""PDF: the text layer, page by page; a page without one (a scan) is read by OCR.

OCR is Debian's tesseract with its chi_sim model, on the page as pdftoppm renders it at
200 dpi (the resolution tesseract is trained for; 300 reads no better on a clean scan and
takes twice as long).  The result names the pages that came from OCR, so the ingest report
can say so: OCR text may hold misread characters that the text layer would not.
"""
from __future__ import annotations

import io

from ingest.errors import IngestError
from ingest.loaders import external
from ingest.loaders.common import HAN, Loaded, exc_reason, normalise_newlines

OCR_DPI = 200
OCR_LANGUAGE = "chi_sim"


def load(raw: bytes, source: str) -> str | Loaded:
    """The PDF's text, pages separated by a blank line."""
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
    ocr_pages = tuple(n for n, text in enumerate(pages, 1) if not text)
    for n in ocr_pages:
        pages[n - 1] = ocr_page(raw, source, n)
    text = "\n\n".join(normalise_newlines(p) for p in pages if p)
    return Loaded(text, ocr_pages=ocr_pages) if ocr_pages else text


def ocr_page(raw: bytes, source: str, number: int) -> str:
    """Page ``number`` (1-based) rendered and read by tesseract; an unreadable page is an error naming it."""
    what = f"page {number}"
    image = external.run(
        "pdftoppm", ["-f", str(number), "-l", str(number), "-r", str(OCR_DPI), "-gray", "-png", "-singlefile", "-"],
        source, stdin=raw, what=what,
    )
    text = external.run("tesseract", ["-", "-", "-l", OCR_LANGUAGE], source, stdin=image, what=what)
    text = text.decode("utf-8", "replace").strip()
    # Noise on a blank or unreadable scan comes back as a few stray marks, never as words.
    if len(HAN.findall(text)) < 2:
        raise IngestError(source, f"{what}: no text layer and OCR read no text from it (blank or unreadable scan?)")
    return text
