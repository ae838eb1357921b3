"""What the checker reports: one finding, the same shape for text and for a Word file's layout."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One thing to mark.

    ``start``/``end`` are character offsets into the text that was checked (for a layout
    finding, into the paragraph ``paragraph`` names, or 0/0 for the whole document).  ``fix``
    is the replacement for ``text`` when one is certain, else ``None``; ``source`` names the
    rule or list that found it, so a person can tell a typo list from a 公文 rule.
    """

    kind: str  # typo / usage / outdated / level_word / other_body / placeholder / number / punctuation / layout
    start: int
    end: int
    text: str
    message: str  # in Chinese, for the person reading the draft
    source: str
    fix: str | None = None
    paragraph: int | None = None  # a .docx paragraph's index (layout findings and docx text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
