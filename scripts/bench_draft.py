#!/usr/bin/env python3
"""Drafting speed on the sample corpus: a whole extractive draft (warm) per level, and a whole
LLM draft with the local model, in one run.

Needs an ingested store (PLANDRAFT_DATA_DIR, default ./var: `plandraft ingest data/samples`)
and, for the LLM figure, the local server (`make llm-start`, or run under `make bench`).
"""
from __future__ import annotations

import argparse
import time
import urllib.request

from benchlib import machine, median, publish

from drafting.engine import Drafter
from drafting.model import DraftRequest
from plandraft import settings
from plandraft.resources import make_polisher, open_store
from vectorstore.search import Searcher

REQUESTS = {
    "乡镇": ("杭口镇政协工作组", "江宁区政协"),
    "街道": ("城南街道政协工委", "鼓楼区政协"),
    "县区": ("鼓楼区政协", "南京市政协"),
    "市": ("扬州市政协", "江苏省政协"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--llm-drafts", type=int, default=1, help="whole LLM drafts to stream (one per level, in order)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    values = settings.load()
    store = open_store(values)
    if not store.chunks():
        raise SystemExit("the store is empty: run `plandraft ingest data/samples` first")
    searcher = Searcher(store)
    drafter = Drafter(searcher)
    lines = [f"Machine: {machine()}. Store: the sample corpus. Median of {args.runs} warm runs after one cold one.", ""]
    lines += ["| extractive draft | sections | seconds (median, warm) | cold seconds |", "|---|---|---|---|"]
    for level, (org, parent) in REQUESTS.items():
        request = DraftRequest(level=level, year=2026, org_name=org, parent_body=parent, topics=["乡村振兴"])
        t0 = time.perf_counter()
        draft = drafter.draft(request)
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            drafter.draft(request)
            warm.append(time.perf_counter() - t0)
        lines.append(f"| {level} ({org}) | {len(draft.sections)} | {median(warm):.2f} | {cold:.2f} |")

    base = values["LLM_BASE_URL"]
    try:
        urllib.request.urlopen(base.rstrip("/") + "/models", timeout=3).close()
        up = True
    except OSError:
        up = False
    lines.append("")
    if not up:
        lines.append(f"LLM: no server at {base}; run under `make bench` for the LLM figure.")
    else:
        polisher = make_polisher(settings.load({"LLM_TIMEOUT": 300.0}))
        llm_drafter = Drafter(searcher, polisher)
        # A whole draft streamed with the LLM, full length: the time to its first section and
        # to the last, and per section whether the model's text was used.
        for level, (org, parent) in list(REQUESTS.items())[: args.llm_drafts]:
            request = DraftRequest(level=level, year=2026, org_name=org, parent_body=parent, llm=True)
            extractive = len(drafter.draft(request).text())
            lines += ["", f"LLM draft, {level} ({org}):", "", "| section | seconds since start | characters | result |", "|---|---|---|---|"]
            t0 = time.perf_counter()
            sections = []
            for section in llm_drafter.stream(request):
                sections.append(section)
                result = "LLM text used" if section.mode == "llm" else "extractive (" + next(
                    (w.message for w in section.warnings if w.kind == "llm_fallback"), "preamble, kept as composed") + ")"
                lines.append(f"| {section.title} | {time.perf_counter() - t0:.1f} | {len(section.text)} | {result} |")
            total = time.perf_counter() - t0
            used = sum(1 for s in sections if s.mode == "llm")
            chars = sum(len(s.title) + len(s.text) + 1 for s in sections) + len(request.org_name) + 10
            lines.append(f"\nWhole draft {total:.0f} s; LLM text used in {used} of {len(sections)} sections; "
                         f"{chars} characters against {extractive} for the extractive draft "
                         f"(model `{values['LLM_MODEL']}` at {base}).")
    publish("draft", lines, args.write)


if __name__ == "__main__":
    main()
