"""The draft's 活动安排表: a month-by-month table of activities for the requesting body, drawn
from the activities ingest stored (``ingest.activities``, ``CorpusStore.activities``).

Which past activities:

* only those of on-topic plans (a 社区 health plan's vaccination months are never a 政协
  activity), and for a 界别's plan not those of another sector's plans;
* of the request's level first: its neighbouring levels, then any level, weigh less, and the
  body's own past plans (``drafting.own``) more;
* that answer the plan: its sections' role keywords (data/domain.json), its topics' words and,
  through the store's embedder, the sections' queries.

Spread over the year: the best activity of each month the corpus has, then the next best up to
``ROWS`` rows (at most ``PER_MONTH`` a month), a near-repeat of a chosen row left out.  Each is
adapted like any text of the draft (``drafting.adapt.Adapter``: years, dated references, level
words, other bodies' names); an activity that names another body's own things (its zone, its
programme) or a campaign whose years are over is left out.  Each row cites its source: the
document, the activity and the line it was read from.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from drafting.adapt import SLOT, SLOT_RE, Adapter
from drafting.changes import Change
from drafting.compose import _warning
from drafting.model import DraftRequest, ScheduleRow, ScheduleSource
from drafting.own import PLAN_KINDS
from ingest.activities import Activity
from ingest.bodies import parse_body
from ingest.domain import ROLE_KEYWORDS
from ingest.lexicon import organs
from ingest.model import Document
from ingest.quality import particulars
from ingest.textkit import CN_DIGITS
from ingest.tokens import char_bigrams, jaccard
from vectorstore.search import LEVEL_NEIGHBOURS

ROWS = 16  # a year's table: one or two a month, as office plans have
PER_MONTH = 2
_REPEAT = 0.55  # character-bigram Jaccard at which two titles are the same activity
# Roles that say how a plan is meant, not what is done in a month: their keywords pick no activity.
_NOT_ACTIVITIES = ("指导思想", "工作要求")
# "十届四次全体会议": the 届次 of the source body's own term, which the requester's differs from.
_SESSION = re.compile(rf"[{CN_DIGITS}]+届[{CN_DIGITS}]+次")
# "人民政协成立76周年": an anniversary counts on with the year.
_ANNIVERSARY = re.compile(r"(?P<what>成立|诞辰|建党|建国|建军|解放)(?P<n>\d{1,3})周年")
# An activity that attends another body's meeting ("组织委员参加区政协全会") is the requester's own.
_ATTENDS = re.compile(r"^(?:组织(?:委员)?)?(?:参加|列席|出席|参与)")
# How high a level stands, for the rule above (a 界别 or an unknown level has no rank).
_RANK = {"乡镇": 0, "街道": 0, "县区": 1, "市": 2, "省": 3}
SCHEDULE_ROLE = "活动安排"  # the warnings' section name for the table


def schedule_title(year: int | None) -> str:
    """The table's heading in the draft, the web page and the exported files."""
    return f"附：{year}年度活动安排表" if year else "附：活动安排表"


@dataclass
class _Candidate:
    score: float
    row: ScheduleRow
    form: str


def build_schedule(store, request: DraftRequest, sections: Sequence, *, exclude_docs: Iterable[str] = (),
                   own_docs: Iterable[str] = (), rows: int = ROWS, per_month: int = PER_MONTH) -> list[ScheduleRow]:
    """The 活动安排表 for ``request``, whose draft has the outline ``sections`` (each with ``role``
    and ``query``); ``exclude_docs``: documents whose activities are not the requester's work
    (another sector's plans); ``own_docs``: the requester's own documents, whose names stay."""
    excluded, own = set(exclude_docs), set(own_docs)
    docs = {d.id: d for d in store.documents(include_off_topic=False)
            if d.on_topic and d.kind in PLAN_KINDS and d.id not in excluded}
    activities = [a for a in store.activities() if a.doc_id in docs and a.month]
    if not activities:
        return []
    adapter = Adapter(request)
    names, held = _known_names(store, docs), _held_particulars(store, docs)
    relevance = _relevance(store.embedder, request, sections, activities)
    candidates = []
    for activity, fit in zip(activities, relevance):
        doc = docs[activity.doc_id]
        row = _row(adapter, activity, doc, names.get(doc.id, ()), held.get(doc.id, ()), doc.id in own)
        if row is None:
            continue
        score = fit * _level_weight(request.level, doc.level) * (1.3 if doc.id in own else 1.0)
        if SLOT_RE.search(row.title):
            score *= 0.6  # a row the editor must complete comes after one that is ready
        candidates.append(_Candidate(score, row, activity.form or ""))
    return _spread(candidates, rows, per_month)


def _row(adapter: Adapter, activity: Activity, doc: Document, names: tuple[str, ...], held: Sequence,
         own: bool) -> ScheduleRow | None:
    """The activity adapted to the requester, or None when it cannot be."""
    held = [*held, *particulars(activity.title)]  # a table row that made no unit has its title
    if not own and any(p.text in activity.line or p.text in activity.title for p in held if not p.generalise):
        return None  # another body's zone, slogan or programme: nothing of it is ours
    changes: list = []
    title = _SESSION.sub(lambda m: _slot(m, changes), activity.title)
    adapted = adapter.adapt(title, doc.level, doc.year, names, own=own)
    if any(c.kind == "drop" for c in adapted.changes) or adapter.problems(adapted.text):
        return None  # a campaign that is over, or words no draft may keep
    if _lacks_organ(adapter.level, adapted.text) or _attends_its_own(adapter.level, doc.level, adapted.text):
        return None
    changes += adapted.changes
    text = _anniversaries(adapted.text, doc.year, adapter.year, changes)
    cells = {}
    for name, value in (("owner", activity.owner), ("place", activity.place)):
        cell = adapter.adapt(value, doc.level, doc.year, names, own=own) if value else None
        # A cell that cannot be said of the requester is left for the editor, not guessed.
        ok = cell is not None and not any(c.kind == "drop" for c in cell.changes) and not adapter.problems(cell.text)
        cells[name] = cell.text if ok else ""
        changes += cell.changes if ok else []
    source = ScheduleSource(doc.id, activity.id, activity.line, doc.title, doc.source, doc.level, doc.year)
    return ScheduleRow(
        id=activity.id, month=activity.month, title=text, form=activity.form or "", owner=cells["owner"],
        place=cells["place"], sources=[source], original=activity.title,
        changes=list(dict.fromkeys(_warning(c, SCHEDULE_ROLE, 0).message for c in changes)),
    )


def _lacks_organ(level: str, title: str) -> bool:
    """Whether the activity is held by an organ the requester's level lacks (data/lexicon/organs.tsv).

    Unlike a plan's sentence, where "区政协常委会" is the body above and stays, a row of the
    table is something the requester does: a street cannot 召开 the district's 常委会 — only
    attend it."""
    if _ATTENDS.match(title):
        return False
    return any(level not in organ.levels and organ.pattern.search(title) for organ in organs())


def _attends_its_own(level: str, source_level: str, title: str) -> bool:
    """Whether a lower body's activity attends a 政协 above it ("组织委员参加县政协举办的履职培训"):
    for a requester at that level or higher, it is its own event or a peer's, not one to attend."""
    low, high = _RANK.get(source_level), _RANK.get(level)
    return low is not None and high is not None and low < high and bool(_ATTENDS.match(title)) and "政协" in title


def _slot(m: re.Match, changes: list) -> str:
    slot = SLOT.format("届次")
    changes.append(Change("slot", m.group(0), slot, "原文是其他单位的届次"))
    return slot


def _anniversaries(text: str, source_year: int | None, year: int, changes: list) -> str:
    if not source_year or source_year == year:
        return text

    def shift(m: re.Match) -> str:
        new = f"{m.group('what')}{int(m.group('n')) + year - source_year}周年"
        changes.append(Change("number", m.group(0), new, f"原计划是{source_year}年的"))
        return new

    return _ANNIVERSARY.sub(shift, text)


def _known_names(store, docs: dict[str, Document]) -> dict[str, tuple[str, ...]]:
    """Each document's other-body names ingest found (its chunks'), and its own body's place, so
    a stem ("情暖桐林" of 桐林街道) is caught too."""
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in store.chunks():
        if chunk.doc_id in docs:
            found[chunk.doc_id].update(chunk.foreign_names)
    for doc_id, body in store.bodies().items():
        place = parse_body(body.name)
        if doc_id in docs and place is not None and place.place:
            found[doc_id].add(place.place)
    return {doc_id: tuple(sorted(names)) for doc_id, names in found.items()}


def _held_particulars(store, docs: dict[str, Document]) -> dict[str, list]:
    """Another body's own things in each document, as ingest found them in its units."""
    found: dict[str, list] = defaultdict(list)
    for unit in store.units():
        if unit.doc_id in docs:
            found[unit.doc_id].extend(unit.particulars)
    return found


def _relevance(embedder, request: DraftRequest, sections: Sequence, activities: Sequence[Activity]) -> list[float]:
    """How well each activity answers the plan: its sections' keywords, its topics, and the
    sections' queries by the embedder (cosine, 0–1)."""
    keywords = [w for s in sections if s.role not in _NOT_ACTIVITIES for w in ROLE_KEYWORDS.get(s.role, ())]
    texts = [f"{a.title} {a.form or ''}" for a in activities]
    queries = [s.query for s in sections if s.role not in _NOT_ACTIVITIES] + list(request.topics)
    dense = np.zeros(len(texts))
    if queries and embedder is not None:
        vectors = _unit(np.asarray(embedder.embed(texts), dtype=np.float32))
        asked = _unit(np.stack([np.asarray(embedder.embed_query(q), dtype=np.float32) for q in queries]))
        dense = np.clip((vectors @ asked.T).max(axis=1), 0.0, 1.0)
    out = []
    for text, d in zip(texts, dense):
        role = 0.5 if any(w in text for w in keywords) else 0.0
        topic = 1.0 if any(t and t in text for t in request.topics) else 0.0
        out.append(0.5 + role + topic + float(d))
    return out


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


def _level_weight(level: str, source_level: str) -> float:
    if source_level == level:
        return 1.0
    if source_level in LEVEL_NEIGHBOURS.get(level, ()):
        return 0.75
    return 0.5


def _spread(candidates: list[_Candidate], rows: int, per_month: int) -> list[ScheduleRow]:
    """The best activity of each month, then the best of the rest (at most ``per_month`` a month,
    one more when the year is thin; a second of one form in a month after other forms), without
    near-repeats; by month."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    chosen: list[_Candidate] = []
    grams: list[set[str]] = []

    def take(c: _Candidate) -> bool:
        g = char_bigrams(c.row.title)
        if any(jaccard(g, other) >= _REPEAT for other in grams):
            return False
        chosen.append(c)
        grams.append(g)
        return True

    for month in range(1, 13):
        next((c for c in ranked if c.row.month == month and take(c)), None)
    for limit in (per_month, per_month + 1):
        def in_month(c: _Candidate) -> list[_Candidate]:
            return [o for o in chosen if o.row.month == c.row.month]

        rest = sorted((c for c in ranked if c not in chosen),
                      key=lambda c: -c.score * (0.7 if any(o.form == c.form for o in in_month(c)) else 1.0))
        for c in rest:
            if len(chosen) >= rows:
                break
            if len(in_month(c)) < limit:
                take(c)
    order = {id(c): i for i, c in enumerate(ranked)}
    chosen.sort(key=lambda c: (c.row.month, order[id(c)]))
    return [c.row for c in chosen]
