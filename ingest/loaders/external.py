"""Running the Debian tools some formats need (catdoc for .doc; pdftoppm and tesseract for
scanned PDFs): bounded in time, no shell, and an admin-readable reason when a tool is missing.
`make` installs them (the ``doc-deps`` target)."""
from __future__ import annotations

import shutil
import subprocess

from ingest.errors import IngestError
from ingest.loaders.common import one_line

# The Debian package each tool comes in, for the install hint.
PACKAGES = {"catdoc": "catdoc", "pdftoppm": "poppler-utils", "tesseract": "tesseract-ocr tesseract-ocr-chi-sim"}
TIMEOUT_SECONDS = 120


def run(tool: str, args: list[str], source: str, *, stdin: bytes | None = None, what: str = "") -> bytes:
    """The tool's stdout; IngestError naming the file (and ``what``, e.g. "page 2") on failure."""
    path = shutil.which(tool)
    if path is None:
        raise IngestError(source, f"needs {tool} (Debian package {PACKAGES[tool]}; `make doc-deps` installs it)")
    where = f"{what}: " if what else ""
    try:
        done = subprocess.run([path, *args], input=stdin, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise IngestError(source, f"{where}{tool} took over {TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        detail = one_line(done.stderr.decode("utf-8", "replace"), limit=120) or f"exit status {done.returncode}"
        raise IngestError(source, f"{where}{tool} failed ({detail})")
    return done.stdout
