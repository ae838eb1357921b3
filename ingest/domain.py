"""The domain's tables, read from ``data/domain.json``: the levels a 政协 body can be at (with
the words that tell a document's level and the words a draft of that level writes) and the
section roles of a plan (with the keywords that tell them).

One file, so a level's words are corrected in one place; ingest (classification, section
roles) and drafting (vocabulary, adaptation) read the same table.
"""
from __future__ import annotations

import json

from ingest.lexicon import DATA_DIR

_TABLES = json.loads((DATA_DIR / "domain.json").read_text(encoding="utf-8"))
_LEVELS: dict[str, dict] = _TABLES["levels"]
_ROLES: dict[str, list[str]] = _TABLES["section_roles"]

# 层级 of the body a document was written for, "unknown" last.
LEVELS: tuple[str, ...] = tuple(_LEVELS)
# Words that tell a document's level, with their weights.
LEVEL_WORDS: dict[str, dict[str, float]] = {name: dict(t["cues"]) for name, t in _LEVELS.items() if t}
# What each level calls itself (body), the Party and government bodies it serves, its scope
# words and the 政协 above it; the first word of each group is the one a draft writes.
LEVEL_TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    name: {group: tuple(words) for group, words in t["terms"].items()} for name, t in _LEVELS.items() if t
}
# The bodies a level answers to, which its plans may name ("在县政协的指导下").
LEVEL_ANSWERS_TO: dict[str, tuple[str, ...]] = {name: tuple(t["answers_to"]) for name, t in _LEVELS.items() if t}

# section_role values, in the usual order of a plan, "other" last.
SECTION_ROLES: tuple[str, ...] = tuple(_ROLES)
# Keywords per role; a heading's words weigh more than the body's.
ROLE_KEYWORDS: dict[str, tuple[str, ...]] = {role: tuple(words) for role, words in _ROLES.items() if words}
