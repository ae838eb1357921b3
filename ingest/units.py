"""A plan's items as units: the lead phrase, its sentences, and what ingest knows of them.

A unit is what a reader sees as one item of a plan: "加强理论学习。认真制定学习计划，…" — the
lead phrase (标题句) and its own elaboration — or, in plans without item headings, one
paragraph.  An enumeration (一是/二是, 首先/其次, 第一/第二) stays inside one unit, so a draft uses
it whole or not at all.  Each unit carries its section role, its signals and particulars
(ingest.quality); drafting reads units and never parses the text again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.model import Chunk, content_hash
from ingest.quality import Finding, local_signals, members, particulars, split_sentences
from ingest.structure import misplaced, parse_heading, section_role
from ingest.textkit import CN_DIGITS, ENUMERATOR, SENTENCE_END

# Numbering at the start of a line or sentence, any style; a stray one left by a scraper
# ("（一）2、进一步…") is removed with it.
LEADING_NUMBER = re.compile(
    rf"^\s*(?:#{{1,6}}\s*)?(?:[{CN_DIGITS}]{{1,3}}\s*[、.．](?!\d)|[（(][{CN_DIGITS}\d]{{1,3}}[）)]\s*"
    r"|\d{1,2}\s*[、.．](?!\d)\s*|[-*•]\s+)"
)
# An item heading's own numbering, including the 一是 / 第一， styles that number items too.
_HEADING_NUMBER = re.compile(LEADING_NUMBER.pattern + rf"|^\s*(?:{ENUMERATOR}(?=[\u4e00-\u9fff])|第[{CN_DIGITS}]+[，,、])")
# A line that goes on an enumeration the line before began ("其次，…", "二是…", "第二，…").
_CONTINUES = re.compile(rf"^\s*(?:其次|再次|最后|[{CN_DIGITS[1:]}]是|第[{CN_DIGITS[1:]}][，,、]|其[{CN_DIGITS[1:]}][，,、])")
# A lead phrase is short and stops: "加强理论学习。" — a long first clause is a sentence.
_MAX_LEAD = 24


@dataclass
class Unit:
    id: str
    doc_id: str
    chunk_id: str
    position: int  # order within the document
    section_role: str
    lead: str | None  # the 标题句 without its stop
    sentences: list[str]
    span: tuple[int, int]  # within the document's text
    signals: list[Finding] = field(default_factory=list)
    particulars: list[Finding] = field(default_factory=list)

    @property
    def text(self) -> str:
        head = f"{self.lead}。" if self.lead else ""
        return head + "".join(self.sentences)

    def to_row(self) -> dict:
        return {
            "id": self.id, "doc_id": self.doc_id, "chunk_id": self.chunk_id, "position": self.position,
            "section_role": self.section_role, "lead": self.lead, "sentences": list(self.sentences),
            "span": list(self.span), "signals": [f.to_dict() for f in self.signals],
            "particulars": [f.to_dict() for f in self.particulars],
        }


@dataclass
class _Open:
    lead: str | None
    lines: list[str]
    start: int
    end: int
    path: list[str]
    from_heading: bool  # opened by an item heading: the lines below belong to it


def build_units(doc_id: str, text: str, chunks: list[Chunk]) -> list[Unit]:
    """The units of one document's text; each is tied to the chunk its first line lies in."""
    pieces: list[_Open] = []
    stack: list[tuple[float, str]] = []
    current: _Open | None = None
    pending_lead: str | None = None
    for line, start, end in _lines(text):
        if not line.strip():
            continue
        heading = parse_heading(line)
        if heading is not None:
            while stack and stack[-1][0] >= heading.rank:
                stack.pop()
            stack.append((heading.rank, heading.title))
            path = [t for _, t in stack]
            if current:
                pieces.append(current)
                current = None
            body = _HEADING_NUMBER.sub("", line).strip()
            if not heading.has_body:
                # A bare item heading (（一）加强学习) leads the paragraphs under it; a bare
                # section heading (一、指导思想) is the section's title, not an item's.
                item_level = heading.rank >= 2 or len(stack) > 1
                pending_lead = _lead_of(body) if item_level else None
                continue
            lead, rest = _split_lead(body)
            current = _Open(lead, [rest] if rest else [], start, end, path, True)
            pending_lead = None
            continue
        if current and (current.from_heading or _CONTINUES.match(line)):
            current.lines.append(line.strip())
            current.end = end
            continue
        if current:
            pieces.append(current)
        path = [t for _, t in stack]
        if pending_lead:
            current = _Open(pending_lead, [line.strip()], start, end, path, True)
            pending_lead = None
        else:
            lead, rest = _split_lead(line.strip())
            current = _Open(lead, [rest] if rest else [], start, end, path, False)
    if current:
        pieces.append(current)
    units = [_unit(doc_id, i, p, chunks) for i, p in enumerate(pieces) if p.lines or p.lead]
    return _essay_throughout(units)


# Two units in the voice of an article about 政协 ("政协将…", "政协作为…") make the document
# such an article: its other units ("我们将加强组织建设，培养更多优秀的政协委员") are no body's
# plan either.
_ESSAY_UNITS = 2


def _essay_throughout(units: list[Unit]) -> list[Unit]:
    essays = [u for u in units if any(f.kind == "essay" for f in u.signals)]
    if len(essays) >= _ESSAY_UNITS:
        for u in units:
            if u not in essays:
                u.signals.append(Finding("essay", essays[0].signals[-1].text if essays[0].signals else "政协"))
    return units


# A numbered item glued to the end of the one before by a scraper ("…新的贡献。2、努力促进社会
# 稳定。…"): it starts a line of its own.
_GLUED_ITEM = re.compile(SENTENCE_END.pattern + rf"(?=\s*(?:\d{{1,2}}|[（(]\d{{1,2}}[）)]|[（(][{CN_DIGITS}]{{1,2}}[）)])[、.．]?(?!\d)[\u4e00-\u9fff])")


def _lines(text: str):
    """(line, start, end) of the document's lines, glued items cut apart, offsets exact."""
    offset = 0
    for line in text.split("\n"):
        cuts = [0] + [m.start() for m in _GLUED_ITEM.finditer(line) if _starts_numbered(line[m.start():])] + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            if b > a:
                yield line[a:b], offset + a, offset + b
        offset += len(line) + 1


def _starts_numbered(rest: str) -> bool:
    return bool(re.match(rf"\s*(?:\d{{1,2}}[、.．]|[（(]\d{{1,2}}[）)]|[（(][{CN_DIGITS}]{{1,2}}[）)])", rest))


def _lead_of(title: str) -> str | None:
    title = LEADING_NUMBER.sub("", title.strip()).rstrip("。：:；")
    return title if 2 <= len(title) <= _MAX_LEAD else None


def _split_lead(body: str) -> tuple[str | None, str]:
    """"加强理论学习。认真制定…" → ("加强理论学习", "认真制定…"); no lead when the first stop is far."""
    # Only a full stop ends a lead: "…的工作目标是：" introduces what follows, it titles nothing.
    m = re.match(r"^([^。：:；，,！？]{2,%d})。" % _MAX_LEAD, body)
    if m and len(body) > m.end() + 8:
        return LEADING_NUMBER.sub("", m.group(1)).strip() or None, body[m.end():].strip()
    return None, body


def _unit(doc_id: str, position: int, piece: _Open, chunks: list[Chunk]) -> Unit:
    sentences = []
    for line in piece.lines:
        for s in split_sentences(line):
            s = LEADING_NUMBER.sub("", s).strip()
            if s:
                sentences.append(s)
    lead = piece.lead
    chunk = next((c for c in chunks if c.span[0] <= piece.start < c.span[1] + 1), chunks[0] if chunks else None)
    whole = (f"{lead}。" if lead else "") + "".join(sentences)
    path = list(piece.path) + ([lead] if lead else [])
    role = section_role(path, whole)
    signals = local_signals(lead, sentences)
    other_role = misplaced(role, lead, sentences)
    if other_role:
        # An enumeration with a member about other work is mixed: no section takes it whole.
        # Otherwise the unit is another section's, and may serve there.
        signals.append(Finding("mixed" if members("".join(sentences)) else "misplaced", other_role))
    return Unit(
        id="n" + content_hash(doc_id, str(position), whole),
        doc_id=doc_id,
        chunk_id=chunk.id if chunk else "",
        position=position,
        section_role=role,
        lead=lead,
        sentences=sentences,
        span=(piece.start, piece.end),
        signals=signals,
        particulars=particulars(whole),
    )
