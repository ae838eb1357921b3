"""The word lists and rule tables ingest and drafting share, loaded from ``data/``.

Each table is a TSV file with its provenance in its header comments, so it can be corrected
without touching code.  Files are read on first use and cached.
"""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_table(relative: str) -> list[dict[str, str]]:
    """Rows of a TSV table under ``data/``: ``#`` lines are comments, the first other line names the columns."""
    path = DATA_DIR / relative
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines, delimiter="\t")]


@lru_cache(maxsize=None)
def rules_version() -> str:
    """A digest of everything that decides what ingest derives from a file: the tables it reads
    (lexicon, references, gazetteer, domain.json) and its own code.  When one changes, every
    stored file's units and signals are out of date and the next ingest parses it again (the
    vectors of unchanged chunk texts are reused)."""
    digest = hashlib.sha256()
    code = Path(__file__).resolve().parent
    paths = [p for folder in ("lexicon", "references", "gazetteer") for p in sorted((DATA_DIR / folder).rglob("*"))]
    paths += [DATA_DIR / "domain.json", *sorted(code.rglob("*.py"))]
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Cue:
    kind: str
    pattern: re.Pattern[str]
    weight: int
    generalise: bool
    note: str


@lru_cache(maxsize=None)
def blurb_cues() -> tuple[Cue, ...]:
    return tuple(
        Cue("blurb", re.compile(r["pattern"]), int(r["weight"]), False, r["note"]) for r in read_table("lexicon/blurb_cues.tsv")
    )


@lru_cache(maxsize=None)
def particular_rules() -> tuple[Cue, ...]:
    return tuple(
        Cue(r["kind"], re.compile(r["pattern"]), 1, r["generalise"] == "yes", r["note"]) for r in read_table("lexicon/particulars.tsv")
    )


@dataclass(frozen=True)
class Organ:
    """One row of data/lexicon/organs.tsv: an organ and the levels that have one."""

    pattern: re.Pattern[str]
    levels: frozenset[str]
    name: str  # in Chinese: a person reads it ("乡镇的政协组织没有常委会和主席会议")
    note: str


@lru_cache(maxsize=None)
def organs() -> tuple[Organ, ...]:
    return tuple(Organ(re.compile(r["pattern"]), frozenset(r["levels"].split()), r["name"], r["note"])
                 for r in read_table("lexicon/organs.tsv"))


@dataclass(frozen=True)
class DatedTerm:
    """One row of data/references/dated.tsv."""

    kind: str  # congress / plenum / fyp / campaign / formula
    term: str
    start: date
    until: date | None
    pattern: re.Pattern[str] | None
    replace_with: str
    note: str

    def current_for(self, year: int) -> bool:
        """Whether a plan for ``year`` (written at the turn of the year) may speak of this as current."""
        written = date(year, 1, 1)
        return self.start <= written and (self.until is None or self.until >= written)


@lru_cache(maxsize=None)
def dated_terms() -> tuple[DatedTerm, ...]:
    rows = read_table("references/dated.tsv")
    return tuple(
        DatedTerm(
            kind=r["kind"],
            term=r["term"],
            start=date.fromisoformat(r["from"]),
            until=date.fromisoformat(r["until"]) if r["until"] else None,
            pattern=re.compile(r["pattern"]) if r["pattern"] else None,
            replace_with=r["replace_with"],
            note=r["note"],
        )
        for r in rows
    )


def current_term(kind: str, year: int) -> DatedTerm | None:
    """The latest term of a numbered kind (congress, plenum, fyp) current for a plan of ``year``."""
    fitting = [t for t in dated_terms() if t.kind == kind and t.start <= date(year, 1, 1)]
    return max(fitting, key=lambda t: t.start) if fitting else None


@dataclass(frozen=True)
class ActivityForm:
    """One row of data/lexicon/activity_forms.tsv."""

    form: str
    cues: re.Pattern[str]


@lru_cache(maxsize=None)
def activity_forms() -> tuple[ActivityForm, ...]:
    return tuple(ActivityForm(r["form"], re.compile(r["cues"])) for r in read_table("lexicon/activity_forms.tsv"))


@lru_cache(maxsize=None)
def activity_columns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(role, header pattern) of data/lexicon/activity_columns.tsv, in order."""
    return tuple((r["role"], re.compile(r["pattern"], re.I)) for r in read_table("lexicon/activity_columns.tsv"))


@lru_cache(maxsize=None)
def activity_cues() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(owner | place, pattern with a ``value`` group) of data/lexicon/activity_cues.tsv."""
    return tuple((r["kind"], re.compile(r["pattern"])) for r in read_table("lexicon/activity_cues.tsv"))
