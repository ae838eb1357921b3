"""What adaptation does to a sentence, recorded so the editor sees every change."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

SLOT = "【待填：{}】"
SLOT_RE = re.compile(r"【待填：[^】]*】")
PLACE_SUFFIX = re.compile(r"(街道|镇|乡|县|区|市|省)$")


@dataclass
class Change:
    kind: str  # a DraftWarning kind: slot, name_replaced, vocabulary, year, reference; drop
    before: str
    after: str
    note: str = ""


@dataclass
class Adapted:
    text: str
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _within(m: re.Match, text: str, repl: str) -> bool:
    """Whether the match lies inside the replacement where the text has it already: 街道政协联络组
    inside 青溪街道政协联络组, put there by an earlier step, must not become 青溪青溪街道政协联络组."""
    if not repl or len(repl) <= len(m.group(0)):
        return False
    start = text.find(repl, max(0, m.end() - len(repl)))
    while start != -1 and start <= m.start():
        if start + len(repl) >= m.end():
            return True
        start = text.find(repl, start + 1)
    return False


def substitute(pattern: str | re.Pattern, repl: str, text: str, kind: str, changes: list[Change], note: str = "") -> str:
    """``re.sub`` that records each replacement as a Change (none inside the replacement itself)."""

    def _one(m: re.Match) -> str:
        if _within(m, text, repl):
            return m.group(0)
        changes.append(Change(kind, m.group(0), repl, note))
        return repl

    return re.sub(pattern, _one, text)


def substitute_words(pattern: str | re.Pattern, repl: str, text: str, kind: str, changes: list[Change], note: str = "") -> str:
    """As :func:`substitute`, but only where the match is whole words of the text: 区委 in
    "区委书记" is replaced, in "片区委员" (片区|委员) it is not."""
    bounds: list[tuple[set[int], set[int]]] = []  # the text's word bounds, cut on the first match only

    def _one(m: re.Match) -> str:
        if not bounds:
            bounds.append(_word_bounds(text))
        starts, ends = bounds[0]
        if m.start() not in starts or m.end() not in ends or _within(m, text, repl):
            return m.group(0)
        changes.append(Change(kind, m.group(0), repl, note))
        return repl

    return re.sub(pattern, _one, text)


def _word_bounds(text: str) -> tuple[set[int], set[int]]:
    import jieba

    jieba.setLogLevel(60)
    spans = [(s, e) for _, s, e in jieba.tokenize(text)]
    return {s for s, _ in spans}, {e for _, e in spans}


def substitute_with(pattern: re.Pattern, repl, text: str, note: str, changes: list[Change]) -> str:
    """As :func:`substitute`, the replacement computed from the match (a vocabulary change)."""

    def _one(m: re.Match) -> str:
        new = repl(m)
        changes.append(Change("vocabulary", m.group(0), new, note))
        return new

    return pattern.sub(_one, text)


def place_of(org_name: str | None) -> str | None:
    """香山街道政协工委 → 香山街道; 吴中区政协 → 吴中区."""
    if not org_name:
        return None
    m = re.match(r"^(.{1,8}?(?:街道|镇|乡|县|区|市|省))", org_name)
    return m.group(1) if m else None
