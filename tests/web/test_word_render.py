"""The exported .docx as a renderer lays it out: LibreOffice (headless) to PDF, poppler to text and PNG.

The pages go to test-artifacts/word/ (gitignored) for a person to look at.  `make word-deps`
installs LibreOffice Writer and poppler-utils; without soffice the test is skipped, saying so.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from service.export import to_docx

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "word"
WORDS = "政协委员履职尽责建言献策围绕中心服务大局团结民主协商监督"


def _paragraph(lines: int) -> str:
    """Pure CJK text of exactly ``lines`` lines of 28: 26 after the indent, then 28 each, 10 on the last."""
    n = 26 + 28 * (lines - 2) + 10 if lines > 1 else 10
    return (WORDS * (n // len(WORDS) + 1))[: n - 1] + "。"


CONTENT = {
    "title": "上城区政协2026年工作计划",
    "request": {"level": "县区", "year": 2026, "org_name": "上城区政协"},
    "sections": [
        {"title": "一、指导思想", "text": _paragraph(10)},
        {"title": "二、主要任务", "text": "（一）加强理论学习。" + _paragraph(2)[10:] + "\n" + _paragraph(40)},
    ],
    "signature": {"body": "中国人民政治协商会议上城区委员会", "date": "2026-01-05"},
}


def _run(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=180, cwd=cwd).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice (LibreOffice Writer) is not installed: run `make word-deps`")
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("pdftotext / pdftoppm (poppler-utils) are not installed: run `make word-deps`")
    work = tmp_path_factory.mktemp("word-render")
    docx_path = work / "plan.docx"
    docx_path.write_bytes(to_docx(CONTENT, draft_id="render", version=1))
    # Its own profile: a user's LibreOffice settings (or another soffice running) never interfere.
    profile = (work / "lo-profile").as_uri()
    _run(soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx_path))
    pdf = work / "plan.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "plan.pdf")
    shutil.copy(docx_path, ARTIFACTS / "plan.docx")
    _run("pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "page"))
    return pdf


def _page_lines(pdf: Path, page: int) -> list[str]:
    text = _run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")
    lines = [line.replace(" ", "") for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("—")]  # the page number 「— 2 —」


def test_the_rendered_plan_has_its_pages_title_and_signature(rendered):
    info = _run("pdfinfo", str(rendered))
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    # Page 1: the title, then 20 lines (an empty one, a heading, 10, a heading, the item's 2, 5 of
    # the 40); page 2: 22 more; page 3: the 13 left, an empty line and the 落款.
    assert pages == 3
    text = _run("pdftotext", str(rendered), "-").replace(" ", "")
    assert CONTENT["title"] in text
    assert "中国人民政治协商会议上城区委员会\n2026年1月5日" in text
    assert sorted(p.name for p in ARTIFACTS.glob("page-*.png")) == ["page-1.png", "page-2.png", "page-3.png"]


def test_a_full_page_has_22_lines_of_28_characters(rendered):
    lines = _page_lines(rendered, 2)
    assert len(lines) == 22
    assert {len(line) for line in lines} == {28}
    first = _page_lines(rendered, 1)
    assert first[0] == CONTENT["title"] and first[1] == "一、指导思想"
    assert [len(line) for line in first[2:12]] == [26] + [28] * 8 + [10]  # indented two, then full lines
    assert first[12] == "二、主要任务" and first[13].startswith("（一）加强理论学习。")
