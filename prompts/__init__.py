"""Prompt templates, one file per task, loaded by name.

Templates use ``{name}`` fields; literal braces are doubled.  Text from documents is never
put into a template unescaped: callers pass it through ``delimit`` so the model sees it as data.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``prompts/<name>.md``."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


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
