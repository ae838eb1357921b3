"""Finding the documents inside a scraped compilation.

A 范文 page strings many documents together.  Some are marked (``…篇一``, ``计划书5``,
``第1篇``, ``篇二:``, a title glued to the first sentence); others simply begin where the
last one ended.  For those, three signals are used, each tied to how such pages are made:

* the top-level numbering ``一、`` starts again (a plan has one ``一、``);
* a lower numbering starts again under the same parent, or appears where the plan's own
  order forbids it, *and* the text changes voice (政协 → 人大 → 政府/社区) — plans whose
  ``一、`` headings were dropped restart ``（一）`` too, but keep their voice;
* a fresh intro paragraph (``201x年，…`` / ``…工作的指导思想是``) after body text,
  followed by a first heading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.structure import parse_heading
from ingest.textkit import CN_DIGITS as _CN_NUM

# A line that is nothing but a marker: "乡镇政协工作计划篇一", "## 县政协宣传工作篇二", "模拟政协社会工作计划书5".
_MARKER_LINE = re.compile(
    rf"^#{{0,6}}\s*(?P<title>.{{0,40}}?(?:篇[{_CN_NUM}\d]{{1,3}}|计划书\s*\d{{1,3}}|第\s*\d{{1,3}}\s*篇))\s*$"
)
# A marker glued to the text that follows: "第1篇一、前言…", "篇二:政协工作计划…".
# A short page title may stand before it: "政协年工作计划篇一:20XX年…".
_MARKER_PREFIX = re.compile(rf"^(?P<title>[^，。：:]{{0,20}}?(?:第\s*\d{{1,3}}\s*篇|篇[{_CN_NUM}\d]{{1,3}}\s*[:：]))")
# A compilation title on a line of its own: "2023年乡镇政协工作计划（实用9篇）".
_COLLECTION_TITLE = re.compile(r"^#{0,6}\s*.{0,40}[（(](?:实用|汇总|精选|通用|优秀|热门)?\s*\d{1,2}\s*篇[）)]\s*$")

# Where a title glued to its text may end: after 计划/总结/… (and the site's "(精选3篇)",
# "7篇", "篇1", "精选2篇（一）" that follow it).
_TITLE_END = re.compile(
    rf"(?:工作)?(?:计划|总结|要点|意见|纪要|安排|方案)(?:范文|书)?(?:\s*[（(]\d[）)])?"
    rf"(?:[（(]?(?:精选|实用|汇总)?\d+篇[）)]?(?:[（(][{_CN_NUM}][）)])?)?(?:\d(?=\d{{2}}[xX]))?"
    rf"|篇\d+"
)
# What may follow a glued title: a first heading, a salutation, an intro, or nothing.
_AFTER_TITLE = re.compile(
    rf"^(?:\s*$|[{_CN_NUM}][、.]|[（(][{_CN_NUM}][）)]|尊敬的|大家好|为|会议|\d{{4}}|20[xX_]|[_\-—]{{2}}|篇|第|政协|[^，。]{{0,12}}政协)"
)
# Characters a title never holds, and words that belong to sentences ("以上是我的政协工作计划").
_NOT_IN_TITLE = re.compile(r"[，。；：:,!！？?“”\s]|[是我将要的如下]|以上|通常|包括")
_MAX_TITLE = 60

# An intro paragraph that opens a plan.
_INTRO = re.compile(
    r"^(?:(?:\d{4}|20[xX]{1,2}|201[xX]|20_+|[-—_]+)\s*年[，,]?|[-—_]+年度[-—_]+)"
    r"|^.{0,30}工作的指导思想是"
)

# Which body is speaking.  A plan that loses its 一、 headings keeps its voice; a different
# document pasted after it usually does not.
_VOICES: dict[str, tuple[str, ...]] = {
    "政协": ("政协", "委员", "协商", "提案", "参政议政", "民主监督", "界别"),
    "人大": ("人大", "代表", "立法", "执法检查", "委员长", "社会建设委"),
    "政府": ("社区", "居民", "政府", "城市", "项目", "招商", "扶贫", "计划生育", "执政", "治安"),
}


@dataclass
class RawDocument:
    """A stretch of a file's cleaned text that holds one document."""

    title: str | None
    start: int  # character offsets in the cleaned file text
    end: int
    text: str


@dataclass
class _Line:
    text: str
    start: int
    end: int


def voice(text: str) -> str | None:
    """The body that speaks in a stretch of text, or None when nothing says."""
    counts = {name: sum(text.count(w) for w in words) for name, words in _VOICES.items()}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 2 else None


def glued_title(line: str) -> tuple[str, str] | None:
    """("政协工作计划", "一、总体目标。") for a line that starts with a document title.

    Of the places where a title could end, the last one that leaves a plausible start of
    text behind wins: "政协工作计划会议纪要范文" | "会议时间：…".
    """
    line = line.lstrip("# ").strip()
    if parse_heading(line) is not None:
        return None
    best: tuple[str, str] | None = None
    for m in _TITLE_END.finditer(line[: _MAX_TITLE + 10]):
        title, rest = line[: m.end()], line[m.end():].lstrip()
        if len(title) > _MAX_TITLE or "政协" not in title:
            continue
        if _NOT_IN_TITLE.search(title.replace(" ", "")):
            continue
        if _AFTER_TITLE.match(rest):
            best = (title.strip(), rest.strip())
    return best


def split_documents(text: str) -> list[RawDocument]:
    """The documents in a file's cleaned text, in order."""
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        lines.append(_Line(raw, offset, offset + len(raw)))
        offset += len(raw) + 1

    # Each boundary: (index of the first line of the document, title, characters of that line to skip).
    boundaries: list[tuple[int, str | None, int]] = []
    preamble_titles: list[int] = []
    tracker = _NumberingTracker()
    since_start: list[str] = []  # body lines of the current document, for its voice
    prev_kind = "start"
    for i, line in enumerate(lines):
        s = line.text.strip()
        if not s:
            continue
        if _COLLECTION_TITLE.match(s) and not boundaries:
            preamble_titles.append(i)
            prev_kind = "title"
            continue
        m = _MARKER_LINE.match(s)
        if m and is_marker(s):
            boundaries.append((i + 1, m.group("title").strip(), 0))
            tracker = _NumberingTracker()
            since_start = []
            prev_kind = "marker"
            continue
        m = _MARKER_PREFIX.match(s)
        if m:
            title = m.group("title")
            rest = s[m.end():].strip()
            glued = glued_title(rest)
            if glued:
                title, rest = f"{title}{glued[0]}", glued[1]
            boundaries.append((i, title.rstrip("：:"), len(line.text) - len(rest)))
            tracker = _NumberingTracker()
            since_start = []
            tracker.see(rest)
            prev_kind = "body"
            continue
        glued = glued_title(s)
        if glued and prev_kind != "marker":
            title, rest = glued
            if prev_kind == "title_only":
                # "区政协工作计划安排" on its own line, then "区政协工作计划安排通常包括…": one start.
                boundaries[-1] = (boundaries[-1][0], boundaries[-1][1], 0)
            if rest:
                boundaries.append((i, title, len(line.text) - len(rest)))
                prev_kind = "body"
            else:
                boundaries.append((i + 1, title, 0))
                prev_kind = "title_only"
            if not rest and i + 1 < len(lines) and lines[i + 1].text.startswith(title):
                boundaries[-1] = (i + 1, title, 0)
                prev_kind = "body"
            tracker = _NumberingTracker()
            since_start = []
            if rest:
                tracker.see(rest)
            continue
        heading = parse_heading(s)
        new_doc = False
        if heading is None and _INTRO.match(s) and prev_kind == "body" and tracker.seen_any:
            # An intro after body text (not right under a heading) that leads into 一、 or （一）.
            nxt = next((l.text for l in lines[i + 1 :] if l.text.strip()), "")
            h = parse_heading(nxt)
            if h is not None and h.number == 1:
                new_doc = True
        elif heading is not None and tracker.restarts(heading):
            if heading.style == "cn":
                new_doc = True
            else:
                before = voice("\n".join(since_start))
                after = voice("\n".join(_lines_until_marker(lines, i, 6)))
                new_doc = before is not None and after is not None and before != after
        if new_doc:
            boundaries.append((i, None, 0))
            tracker = _NumberingTracker()
            since_start = []
        if heading is not None:
            tracker.see_heading(heading)
        since_start.append(s)
        prev_kind = "heading" if heading is not None and not heading.has_body else "body"

    if not boundaries or _has_content(lines, 0, boundaries[0][0], preamble_titles):
        boundaries.insert(0, (0, None, 0))

    documents: list[RawDocument] = []
    for n, (first, title, skip) in enumerate(boundaries):
        last = boundaries[n + 1][0] if n + 1 < len(boundaries) else len(lines)
        # A document ends before the marker line of the next one.
        if n + 1 < len(boundaries) and boundaries[n + 1][2] == 0 and boundaries[n + 1][1] is not None:
            while last > first and _is_marker_or_title(lines[last - 1].text):
                last -= 1
        if first >= last:
            continue
        start = lines[first].start + skip
        end = lines[last - 1].end
        body = text[start:end]
        # A glued title that takes its whole line leaves the line break at the start.
        start += len(body) - len(body.lstrip("\n"))
        body = body.strip("\n")
        if not body.strip():
            continue
        documents.append(RawDocument(title=title, start=start, end=start + len(body), text=body))
    return documents


def is_marker(s: str) -> bool:
    """A line that only marks where the next document begins ("## 县政协宣传工作篇二")."""
    if not _MARKER_LINE.match(s):
        return False
    heading = parse_heading(s)
    return heading is None or heading.style.startswith("md")


def _is_marker_or_title(line: str) -> bool:
    s = line.strip()
    if not s:
        return True
    if is_marker(s):
        return True
    glued = glued_title(s)
    return bool(glued and not glued[1])


def _lines_until_marker(lines: list[_Line], first: int, most: int) -> list[str]:
    out: list[str] = []
    for line in lines[first:]:
        s = line.text.strip()
        if is_marker(s) or _MARKER_PREFIX.match(s) or len(out) >= most:
            break
        out.append(s)
    return out


def _has_content(lines: list[_Line], first: int, last: int, preamble_titles: list[int]) -> bool:
    """Whether the lines before the first marker hold a document rather than a page title."""
    for i in range(first, last):
        s = lines[i].text.strip()
        if not s or i in preamble_titles or _is_marker_or_title(s):
            continue
        if s.startswith("#") and parse_heading(s) is not None and parse_heading(s).style.startswith("md"):
            continue
        return True
    return False


class _NumberingTracker:
    """Remembers the numbering seen so far in a document, to notice it starting again."""

    def __init__(self) -> None:
        self.stack: list[tuple[float, str, int]] = []  # (rank, style, number) of open headings
        self.seen_any = False
        self.top_style: str | None = None

    def see(self, line: str) -> None:
        heading = parse_heading(line)
        if heading is not None:
            self.see_heading(heading)

    def see_heading(self, heading) -> None:
        if heading.style.startswith("md") or heading.style == "cn_shi" or heading.style == "di":
            return
        self.seen_any = True
        if self.top_style is None:
            self.top_style = heading.style
        while self.stack and self.stack[-1][0] >= heading.rank:
            self.stack.pop()
        self.stack.append((heading.rank, heading.style, heading.number))

    def restarts(self, heading) -> bool:
        """Numbering goes back to an earlier number, or to a shallower style out of order."""
        if heading.style.startswith("md") or heading.style in ("cn_shi", "di") or not self.stack:
            return False
        same = [entry for entry in self.stack if entry[1] == heading.style]
        if same:
            # Back to 一 under the same parent (the entry is still open, so nothing shallower came between).
            return heading.number <= same[-1][2] and heading.number == 1
        if heading.style == "cn":
            return False
        # A shallower style appears after a deeper one under the same parent: "五、 1、2、3、 （一）".
        deeper = [entry for entry in self.stack if entry[0] > heading.rank]
        shallower = [entry for entry in self.stack if entry[0] < heading.rank]
        return bool(deeper) and heading.number == 1 and bool(shallower) and deeper[-1][2] >= 2
