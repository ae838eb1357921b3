"""Prompt templates, one file per task, loaded by name.

Templates use ``{name}`` fields; literal braces are doubled.  Text from documents is never
put into a template unescaped: callers pass it through ``delimit`` so the model sees it as data.
"""
from __future__ import annotations

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
    safe = text.replace(f"<{tag}>", f"〈{tag}〉").replace(f"</{tag}>", f"〈/{tag}〉")
    return f"<{tag}>\n{safe}\n</{tag}>"
