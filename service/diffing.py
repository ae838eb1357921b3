"""What the compare view shows: each draft sentence beside its source, differences marked.

Everything from a draft or a document is escaped here; only the ``<ins>``, ``<del>`` and
``<mark>`` tags this module writes are markup.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from service.merge import sections_in
from service.revise import split_sentences

KIND_LABELS = {"verbatim": "照录", "adapted": "改写", "new": "新增"}
WARNING_LABELS = {
    "slot": "待填",
    "name_replaced": "名称替换",
    "vocabulary": "层级用语",
    "year": "年份",
    "reference": "时效提法",
    "number": "数字核实",
    "llm_fallback": "大模型回退",
    "thin_sources": "来源不足",
    "own": "本单位名称",
    "review": "沿用复核",
    "topic": "重点议题",
}
# A draft carried forward from our own plan labels each item (drafting.carry).
CARRY_LABELS = ("沿用", "更新", "新增")


def char_diff(source: str, text: str) -> Markup:
    """``text`` against ``source``, character by character: deletions ``<del>``, insertions ``<ins>``."""
    if not source:
        return Markup("<ins>{}</ins>").format(text) if text else Markup("")
    out: list[Markup] = []
    for removed, added, same in _segments(source, text):
        if removed:
            out.append(Markup("<del>{}</del>").format(removed))
        if added:
            out.append(Markup("<ins>{}</ins>").format(added))
        if same:
            out.append(escape(same))
    return Markup("").join(out)


def _segments(source: str, text: str) -> list[tuple[str, str, str]]:
    """(deleted, inserted, then unchanged) runs.  A single unchanged character between two changes
    is folded into them: 「十九」→「二十」 reads as one replacement, not 「+二 十 -九」."""
    matcher = difflib.SequenceMatcher(None, source, text, autojunk=False)
    segments: list[list[str]] = [["", "", ""]]
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        last = segments[-1]
        if op == "equal":
            if last[2]:
                segments.append(["", "", text[b0:b1]])
            else:
                last[2] = text[b0:b1]
        else:
            if last[2]:
                segments.append(["", "", ""])
                last = segments[-1]
            last[0] += source[a0:a1]
            last[1] += text[b0:b1]
    merged: list[list[str]] = []
    for seg in segments:
        prev = merged[-1] if merged else None
        if prev is not None and len(prev[2]) == 1 and (prev[0] or prev[1]) and (seg[0] or seg[1]):
            prev[0] += prev[2] + seg[0]
            prev[1] += prev[2] + seg[1]
            prev[2] = seg[2]
        else:
            merged.append(seg)
    return [tuple(seg) for seg in merged]


def highlight(text: str, start: int, end: int, tag: str = "mark", attrs: str = "") -> Markup:
    """``text`` escaped, with ``[start, end)`` wrapped in ``tag`` (spans are clamped to the text)."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    return (
        escape(text[:start])
        + Markup(f"<{tag}{attrs}>")
        + escape(text[start:end])
        + Markup(f"</{tag}>")
        + escape(text[end:])
    )


def passage_with_sentence(passage: str, sentence: str) -> Markup:
    """The source passage with the sentence the draft took from it marked."""
    at = passage.find(sentence) if sentence else -1
    if at < 0:
        return escape(passage)
    return highlight(passage, at, at + len(sentence))


def sentence_anchor(section: int, sentence: int | None) -> str:
    return f"s{section}" if sentence is None else f"s{section}-{sentence}"


def compare_sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    """Per section: sentences with kind, diff and sources; its warnings with their anchors."""
    out = []
    for si, section in enumerate(content["sections"]):
        refs = {s["chunk_id"]: s for s in section["sources"]}
        warned: dict[int | None, list[dict]] = {}
        for w in section["warnings"]:
            warned.setdefault(w.get("sentence"), []).append(w)
        sentences = []
        for i, s in enumerate(section["sentences"]):
            sources = []
            for src in s["sources"]:
                ref = refs.get(src["chunk_id"], {})
                sources.append(
                    {
                        "chunk_id": src["chunk_id"],
                        "doc_id": src["doc_id"],
                        "similarity": src.get("similarity"),
                        "doc_title": ref.get("doc_title", ""),
                        "source_name": Path(ref.get("source", "")).name,
                        "level": ref.get("level"),
                        "year": ref.get("year"),
                        "heading_path": ref.get("heading_path") or [],
                        "family_size": ref.get("family_size", 1),
                        "passage": passage_with_sentence(ref.get("text", ""), s.get("source_text", "")),
                    }
                )
            sentences.append(
                {
                    "index": i,
                    "anchor": sentence_anchor(si, i),
                    "text": s["text"],
                    "kind": s["kind"],
                    "kind_label": KIND_LABELS.get(s["kind"], s["kind"]),
                    "label": s.get("label", ""),
                    "edited": s.get("edited", False),
                    "moved": s.get("moved", False),  # brought from another section (a Word file's edit)
                    "source_text": s.get("source_text", ""),
                    "diff": char_diff(s.get("source_text", ""), s["text"]) if s["kind"] != "verbatim" else escape(s["text"]),
                    "sources": sources,
                    "warnings": [_warning(w, si) for w in warned.get(i, [])],
                }
            )
        out.append(
            {
                "index": si,
                "anchor": sentence_anchor(si, None),
                "role": section["role"],
                "title": section["title"],
                "mode": section.get("mode", "extractive"),
                "edited": section.get("edited", False),
                "sentences": sentences,
                "warnings": [_warning(w, si) for w in section["warnings"]],
                "counts": {k: sum(1 for s in sentences if s["kind"] == k) for k in KIND_LABELS},
                "labels": {k: sum(1 for s in sentences if s["label"] == k) for k in CARRY_LABELS},
                "base": against_base(section),
            }
        )
    return out


def against_base(section: dict[str, Any]) -> dict[str, Any] | None:
    """The section beside the section of our own plan it carries forward: that plan's text,
    what this draft deleted from it and added to it (None for a section the plan did not have)."""
    base = section.get("base")
    if not base:
        return None
    return {**base, "diff": char_diff(base["text"], section["text"])}


def _warning(w: dict[str, Any], section_index: int) -> dict[str, Any]:
    return {
        **w,
        "label": WARNING_LABELS.get(w["kind"], w["kind"]),
        "anchor": sentence_anchor(section_index, w.get("sentence")),
    }


def all_warnings(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [w for s in sections for w in s["warnings"]]


# -- two versions of a draft, sentence by sentence ----------------------------------------------


def version_diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Version contents ``a`` (older) and ``b`` (newer): per section of ``b`` the section of ``a``
    it continues (paired as a stale save's merge pairs them, ``service.merge.sections_in``: a
    moved or retitled section, or one rewritten in its place, is still paired) and its
    sentences kept, deleted, inserted or changed; then the sections of ``a`` that ``b`` no
    longer has."""
    found = {t: i for i, t in sections_in(a["sections"], b["sections"]).items()}  # b index → a index
    paired = set(found.values())
    sections = []
    for k, new in enumerate(b["sections"]):
        i = found.get(k)
        old = a["sections"][i] if i is not None else None
        sections.append(_section_diff(old, new, "added" if old is None else "kept"))
    for i, old in enumerate(a["sections"]):
        if i not in paired:
            sections.append(_section_diff(old, None, "removed"))
    changed = sum(1 for s in sections if s["status"] != "kept" or s["changes"])
    title = char_diff(a["title"], b["title"]) if a["title"] != b["title"] else escape(b["title"])
    return {"title": title, "title_changed": a["title"] != b["title"], "sections": sections, "changed": changed}


def _section_diff(old: dict[str, Any] | None, new: dict[str, Any] | None, status: str) -> dict[str, Any]:
    before = split_sentences(old["text"]) if old else []
    after = split_sentences(new["text"]) if new else []
    rows: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            rows += [{"op": "same", "html": escape(t)} for t in after[b0:b1]]
            continue
        gone, came = before[a0:a1], after[b0:b1]
        if op == "replace" and len(gone) == len(came):
            rows += [{"op": "changed", "html": char_diff(x, y)} for x, y in zip(gone, came)]
            continue
        rows += [{"op": "del", "html": Markup("<del>{}</del>").format(t)} for t in gone]
        rows += [{"op": "ins", "html": Markup("<ins>{}</ins>").format(t)} for t in came]
    old_title, new_title = (old or new)["title"], (new or old)["title"]
    return {
        "status": status,
        "title": new_title,
        "old_title": old_title if old_title != new_title else None,
        "rows": rows,
        "changes": sum(1 for r in rows if r["op"] != "same"),
    }
