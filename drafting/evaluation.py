"""``plandraft eval-drafts``: draft a set of requests and read every item with the reader's rules.

Reports, per draft, its items with the faults drafting.review finds, the faulty share, and the
draft's length against the median of the level's real plans in the store; with a person's
reading (tests/data/draft_review.json) it also reports the rules' precision and recall.
"""
from __future__ import annotations

import json
from pathlib import Path

from drafting.model import DraftRequest
from drafting.review import FAULT_KINDS, Reviewer, score_rules
from ingest.corpus_index import CorpusIndex

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REQUESTS = ROOT / "data" / "eval" / "draft_requests.json"
DEFAULT_REVIEW = ROOT / "tests" / "data" / "draft_review.json"


def load_requests(path: Path = DEFAULT_REQUESTS) -> list[DraftRequest]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [DraftRequest.from_dict(r) for r in data["requests"]]


def corpus_index(store) -> CorpusIndex:
    """The corpus's sentences as ingest stored them (for damage and typo checks)."""
    return CorpusIndex([(doc, s) for _, doc, sentences in store.unit_sentences() for s in sentences])


def evaluate_drafts(drafter, store, requests: list[DraftRequest]) -> dict:
    """Draft each request and review every item; the report is JSON-ready."""
    index = corpus_index(store)
    drafts = []
    for request in requests:
        draft = drafter.draft(request)
        reviews = Reviewer(request, index, drafter.topic_overlap().repeats).review_draft(draft)
        usual = drafter.usual_length(request.level)
        chars = len(draft.text().replace("\n", ""))
        drafts.append({
            "request": {"level": request.level, "year": request.year, "org_name": request.org_name,
                        "parent_body": request.parent_body},
            "chars": chars,
            "usual_chars": usual,
            "length_ratio": round(chars / usual, 2) if usual else None,
            "items": [r.to_dict() for r in reviews],
            "faulty": sum(1 for r in reviews if r.faults),
            "slots": draft.text().count("【待填"),
            "warnings": [w.message for section in draft.sections for w in section.warnings],
        })
    by_kind = {k: sum(1 for d in drafts for i in d["items"] if k in i["faults"]) for k in FAULT_KINDS}
    return {
        "drafts": drafts,
        "items": sum(len(d["items"]) for d in drafts),
        "faulty": sum(d["faulty"] for d in drafts),
        "max_faulty_per_draft": max((d["faulty"] for d in drafts), default=0),
        "by_kind": by_kind,
    }


def rule_scores(store, review_path: Path = DEFAULT_REVIEW) -> dict[str, dict]:
    """Precision and recall of the rules on each round a person recorded."""
    review = json.loads(Path(review_path).read_text(encoding="utf-8"))
    index = corpus_index(store)
    return {r["round"]: score_rules(r, index) for r in review["rounds"]}


def table(report: dict) -> str:
    lines = ["| request | chars | level's median | ratio | items | faulty | slots |", "|---|---|---|---|---|---|---|"]
    for d in report["drafts"]:
        q = d["request"]
        lines.append(f"| {q['org_name']} {q['level']} {q['year']} | {d['chars']} | {d['usual_chars']} | "
                     f"{d['length_ratio']} | {len(d['items'])} | {d['faulty']} | {d['slots']} |")
    lines.append("")
    lines.append(f"faulty items: {report['faulty']} of {report['items']}; most in one draft: {report['max_faulty_per_draft']}")
    lines.append("by kind: " + ", ".join(f"{k} {n}" for k, n in report["by_kind"].items() if n))
    return "\n".join(lines)


def score_table(scores: dict[str, dict]) -> str:
    lines = []
    for round_name, kinds in scores.items():
        lines += [f"\nrules against the person's reading, round '{round_name}':", "| kind | precision | recall | tp | fp | fn |", "|---|---|---|---|---|---|"]
        for k, v in kinds.items():
            p = "—" if v["precision"] is None else f"{v['precision']:.2f}"
            r = "—" if v["recall"] is None else f"{v['recall']:.2f}"
            lines.append(f"| {k} | {p} | {r} | {v['tp']} | {v['fp']} | {v['fn']} |")
    return "\n".join(lines)
