"""Precision and recall of the checker against a hand-labelled set (tests/data/proofread_gold.json).

A finding is right when a labelled fault of its kind covers some of its characters; a fault
is found when a finding of its kind does.  The test and scripts/bench_proofread.py read the
same figures from here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from proofread.context import CheckContext
from proofread.text import KINDS, check_text

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "proofread_gold.json"


@dataclass
class Tally:
    found: int = 0  # findings reported
    right: int = 0  # of them, on a labelled fault of their kind
    faults: int = 0  # labelled faults
    caught: int = 0  # of them, covered by a finding of their kind

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.caught / self.faults if self.faults else 1.0


@dataclass
class Score:
    kinds: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (sentence, kind, text) reported but not labelled
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # labelled but not reported

    @property
    def overall(self) -> Tally:
        total = Tally()
        for t in self.kinds.values():
            total.found += t.found
            total.right += t.right
            total.faults += t.faults
            total.caught += t.caught
        return total

    def table(self) -> str:
        """A Markdown table: one row per kind, then the overall row."""
        rows = ["| kind | labelled | reported | precision | recall |", "|---|---:|---:|---:|---:|"]
        for kind, t in [*self.kinds.items(), ("overall", self.overall)]:
            rows.append(f"| {kind} | {t.faults} | {t.found} | {t.precision:.3f} | {t.recall:.3f} |")
        return "\n".join(rows)


def spans(text: str, fault: dict) -> list[tuple[int, int]]:
    """The character spans a labelled fault names: its substring's n-th occurrence, or all."""
    needle, occurrence = fault["text"], fault.get("occurrence", 1)
    found, at = [], text.find(needle)
    while at >= 0:
        found.append((at, at + len(needle)))
        at = text.find(needle, at + 1)
    if not found:
        raise ValueError(f"gold fault {needle!r} is not in {text!r}")
    if occurrence == "all":
        return found
    if occurrence > len(found):
        raise ValueError(f"gold fault {needle!r} occurs {len(found)} times in {text!r}, not {occurrence}")
    return [found[occurrence - 1]]


def context_of(gold: dict, entry: dict) -> CheckContext:
    spec = entry["context"]
    data = gold["contexts"][spec] if isinstance(spec, str) else spec
    return CheckContext(
        year=data.get("year"), level=data.get("level"), org_name=data.get("org_name"),
        other_bodies=tuple(data.get("other_bodies", ())), sources=data.get("sources"),
    )


def score(path: Path = GOLD) -> Score:
    gold = json.loads(path.read_text(encoding="utf-8"))
    result = Score()
    for entry in gold["sentences"]:
        text = entry["text"]
        labelled = [(f["kind"], s, e) for f in entry["faults"] for s, e in spans(text, f)]
        findings = check_text(text, context_of(gold, entry))
        for kind, s, e in labelled:
            tally = result.kinds.setdefault(kind, Tally())
            tally.faults += 1
            if any(f.kind == kind and f.start < e and s < f.end for f in findings):
                tally.caught += 1
            else:
                result.missed.append((text, kind, text[s:e]))
        for f in findings:
            tally = result.kinds.setdefault(f.kind, Tally())
            tally.found += 1
            if any(kind == f.kind and f.start < e and s < f.end for kind, s, e in labelled):
                tally.right += 1
            else:
                result.wrong.append((text, f.kind, f.text))
    return result
