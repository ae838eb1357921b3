"""What the caller knows about the text being checked: the plan's year, level and body, and the
texts its sentences were drawn from."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckContext:
    """Each field is optional: a rule whose knowledge is missing does not run (no year, no
    outdated references; no sources, no unsupported numbers)."""

    year: int | None = None
    level: str | None = None  # a level of data/domain.json: 乡镇 街道 县区 市 省 界别专委
    org_name: str | None = None  # the requester, e.g. 城关镇政协工作组
    other_bodies: tuple[str, ...] = field(default_factory=tuple)  # names that are not the requester's
    sources: tuple[str, ...] | None = None  # the cited source texts; None = not known

    def __post_init__(self) -> None:
        # Callers pass lists from JSON; keep the context hashable and read-only.
        object.__setattr__(self, "other_bodies", tuple(self.other_bodies or ()))
        if self.sources is not None:
            object.__setattr__(self, "sources", tuple(self.sources))
