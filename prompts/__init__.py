"""Prompt templates, one file per task, loaded by name.

Templates use ``{name}`` fields; literal braces are doubled.  A chat prompt's file is split
into messages by lines ``[system]`` and ``[user]``: the system message holds only what is the
same for every request, so the LLM server keeps it cached between requests.  Text from
documents is never put into a template unescaped: callers pass it through ``delimit`` so the
model sees it as data.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``prompts/<name>.md``."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


_ROLE_LINE = re.compile(r"^\[(system|user)\]\s*$", re.M)


def messages(name: str, **fields) -> list[tuple[str, str]]:
    """``prompts/<name>.md`` as (role, text) chat messages, its fields filled in."""
    text = load(name)
    marks = list(_ROLE_LINE.finditer(text))
    if not marks:
        return [("user", text.format(**fields).strip())]
    out = []
    for mark, following in zip(marks, marks[1:] + [None]):
        body = text[mark.end(): following.start() if following else len(text)]
        out.append((mark.group(1), body.format(**fields).strip()))
    return out


def delimit(text: str, tag: str = "资料") -> str:
    """Wrap untrusted source text so instructions inside it read as quoted material.

    The closing tag cannot be forged from inside: any occurrence of the tag in the text is
    defused first.
    """
    # Any spelling a model could read as the tag — spaces, full-width brackets, zero-width
    # characters between its parts — has its brackets swapped for 〈〉.
    inner = r"\W*".join(re.escape(ch) for ch in tag)
    pattern = re.compile(r"[<＜﹤]([\s\u200b-\u200f\ufeff]*/?[\s\u200b-\u200f\ufeff]*" + inner + r"[\s\u200b-\u200f\ufeff]*)[>＞﹥]")
    safe = pattern.sub(lambda m: "〈" + m.group(1) + "〉", text)
    return f"<{tag}>\n{safe}\n</{tag}>"
