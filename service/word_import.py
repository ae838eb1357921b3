"""The Word round trip: an edited .docx of ours comes back as a new version that keeps its sources.

The file's paragraphs (``proofread.docx_text.read_docx``) are read as a plan: the title, each
first-level heading opening a section, the second-level and body paragraphs as that section's
lines, the 落款 as the signature.  Sections are matched to the version the file was exported from
(its ``plandraft.version``) by title, then by content; every sentence is aligned
(``revise.align``) with that version's sentences across the whole document, so a sentence moved
to another section keeps its sources (and is marked ``moved``); an unchanged one keeps its
sources, kind and label, a changed one is tied to its old source as an edited adaptation, and
one that resembles none is new.  No Flask here: the pages call it, and so can the tests.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from ingest.textkit import SECTION_NUMBER
from proofread.docx_text import DocxError, DocxText, read_docx
from service.history import with_warnings
from service.revise import (
    align, continued_sentence, kept_warnings, matched_groups, new_section, new_sentence, normalise_text, split_sentences,
)
from service.signature import parse_date

_NUMBER = re.compile(rf"^\s*{SECTION_NUMBER}\s*")
PREAMBLE_TITLE = "导言"  # the section of body paragraphs a file has before its first heading


class ImportRefused(ValueError):
    """The upload cannot become a version of this draft; ``str()`` says why, in Chinese."""


@dataclass
class WordPlan:
    """What the file says: its title, sections (title, text) and 落款 (None when it has none)."""

    title: str
    sections: list[tuple[str, str]]
    signature: dict[str, str] | None
    draft_id: str | None
    version: int | None


def read_plan(raw: bytes) -> WordPlan:
    """The plan a .docx holds; ``ImportRefused`` when it is no readable .docx or holds no section."""
    try:
        doc = read_docx(raw)
    except DocxError as exc:
        raise ImportRefused(str(exc)) from None
    return plan_of(doc)


def plan_of(doc: DocxText) -> WordPlan:
    title_parts: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    signature_lines: list[str] = []
    for p in doc.paragraphs:
        text = normalise_text(p.text).replace("\n", " ")
        if not text:
            continue
        if p.kind == "title" and not sections:
            title_parts.append(text)
        elif p.kind == "heading1":
            sections.append((text, []))
        elif p.kind == "signature":
            signature_lines.append(text)
        else:  # heading2, body (and a second title-styled paragraph among the sections)
            if not sections:
                sections.append((PREAMBLE_TITLE, []))
            sections[-1][1].append(text)
    sections = [(t, lines) for t, lines in sections if lines or t != PREAMBLE_TITLE]
    if not sections:
        raise ImportRefused("文件中没有找到正文（没有以“一、”等开头的一级标题，也没有正文段落）")
    return WordPlan(
        title=" ".join(title_parts) or doc.title.strip(),
        sections=[(t, "\n".join(lines)) for t, lines in sections],
        signature=_signature(signature_lines),
        draft_id=doc.draft_id,
        version=doc.version,
    )


def _signature(lines: list[str]) -> dict[str, str] | None:
    if not lines:
        return None
    body, when = [], ""
    for line in lines:
        try:
            when = parse_date(line)
        except ValueError:
            body.append(line)
    return {"body": " ".join(body), "date": when}


def _bare(title: str) -> str:
    """A section title without its 「一、」 and spaces: a renumbered section is the same section."""
    return re.sub(r"\s+", "", _NUMBER.sub("", title))


def aligned_sections(plan: WordPlan, exported: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's sections as stored sections, each sentence aligned with ``exported`` (the
    content of the version the file was made from) across the whole document."""
    old_sections = exported["sections"]
    owner: list[tuple[int, int]] = []  # old piece → (section, stored sentence)
    old_pieces: list[str] = []
    for si, section in enumerate(old_sections):
        for n, s in enumerate(section["sentences"]):
            pieces = split_sentences(s["text"]) or [s["text"]]
            old_pieces += pieces
            owner += [(si, n)] * len(pieces)
    new_pieces: list[list[str]] = [split_sentences(text) for _, text in plan.sections]
    flat = [p for pieces in new_pieces for p in pieces]
    matches = align(old_pieces, flat)
    per_section: list[list[tuple[int | None, float]]] = []
    at = 0
    for pieces in new_pieces:
        per_section.append(matches[at:at + len(pieces)])
        at += len(pieces)
    was = _match_sections(plan, old_sections, per_section, owner)
    carried = any(s.get("label") for section in old_sections for s in section["sentences"])
    out = []
    for k, (title, text) in enumerate(plan.sections):
        out.append(_section(title, normalise_text(text), new_pieces[k], per_section[k], was[k], old_sections, owner, carried))
    return out


def _match_sections(plan: WordPlan, old_sections, per_section, owner) -> list[int | None]:
    """For each of the plan's sections, the exported section it continues: the same title
    first, then the section most of its sentences came from; each exported section once."""
    was: list[int | None] = [None] * len(plan.sections)
    used: set[int] = set()
    by_title: dict[str, list[int]] = {}
    for i, s in enumerate(old_sections):
        by_title.setdefault(_bare(s["title"]), []).append(i)
    for k, (title, _) in enumerate(plan.sections):
        free = [i for i in by_title.get(_bare(title), ()) if i not in used]
        if free:
            was[k] = free[0]
            used.add(free[0])
    for k in range(len(plan.sections)):
        if was[k] is not None:
            continue
        counts: dict[int, int] = {}
        for i, _ in per_section[k]:
            if i is not None and owner[i][0] not in used:
                counts[owner[i][0]] = counts.get(owner[i][0], 0) + 1
        if counts:
            best = max(counts, key=lambda si: (counts[si], -si))
            was[k] = best
            used.add(best)
    return was


def _section(title, text, pieces, matches, was, old_sections, owner, carried) -> dict[str, Any]:
    base = old_sections[was] if was is not None else None
    if base is not None and base["text"] == text and all(i is not None and owner[i][0] == was for i, _ in matches):
        kept = copy.deepcopy(base)  # untouched in Word: as it was (a retitled one is edited)
        if title != base["title"]:
            kept.update(title=title, edited=True)
        return kept
    section = copy.deepcopy(base) if base is not None else new_section(title, text, carried)
    section.update(title=title, text=text, edited=True)
    refs = {r["chunk_id"]: r for r in section["sources"]}
    sentences: list[dict[str, Any]] = []
    new_index_of: dict[int, int] = {}
    for i, joined in matched_groups(pieces, matches, owner):
        if i is None:
            sentences.append(new_sentence(joined, carried))
            continue
        si, n = owner[i]
        before = old_sections[si]["sentences"][n]
        sentence = continued_sentence(before, joined)
        if si != was:
            sentence["moved"] = True
            # The compare view finds a sentence's passages among its section's sources.
            for src in before["sources"]:
                ref = next((r for r in old_sections[si]["sources"] if r["chunk_id"] == src["chunk_id"]), None)
                if ref is not None and src["chunk_id"] not in refs:
                    refs[src["chunk_id"]] = ref
                    section["sources"].append(copy.deepcopy(ref))
        elif was is not None:
            new_index_of.setdefault(n, len(sentences))
        sentences.append(sentence)
    section["sentences"] = sentences
    section["warnings"] = kept_warnings(section["warnings"], text, new_index_of)
    return section


def imported_content(plan: WordPlan, exported: dict[str, Any], latest: dict[str, Any]) -> dict[str, Any]:
    """The version to store on top of ``latest``: its request and dismissals, the file's title,
    sections (aligned with ``exported``) and 落款 (the latest's when the file has none)."""
    content = copy.deepcopy(latest)
    content["title"] = plan.title or latest["title"]
    content["sections"] = aligned_sections(plan, exported)
    if plan.signature is not None:
        content["signature"] = {
            "body": plan.signature["body"] or latest.get("signature", {}).get("body", ""),
            "date": plan.signature["date"] or latest.get("signature", {}).get("date", ""),
        }
    content.pop("findings", None)
    return with_warnings(content)


def new_draft_content(plan: WordPlan, request: dict[str, Any]) -> dict[str, Any]:
    """A file that is no version of this draft, as the first version of a new one: every
    sentence new (no sources), made for ``request``."""
    content = {
        "title": plan.title or "从 Word 导入的草稿",
        "request": copy.deepcopy(request),
        "sections": [new_section(title, text) for title, text in plan.sections],
        "dismissed": [],
    }
    if plan.signature is not None:
        content["signature"] = dict(plan.signature)
    return with_warnings(content)


def import_note(based_on: int, latest: int) -> str:
    """The version note: which version the file was made from, and whether others came since."""
    if latest > based_on:
        return f"从 Word 导入（基于第{based_on}版，其后已有第{latest}版）"
    return f"从 Word 导入（基于第{based_on}版）"


def same_text(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two contents read the same: title, section titles and texts, 落款."""
    def words(c):
        return c["title"], [(s["title"], s["text"]) for s in c["sections"]], c.get("signature")
    return words(a) == words(b)
