"""Whole drafts over the real sample store, read with the reader's rules (issue #10).

Slow: the real embedder and Chroma, through the session's sample store.
"""
from __future__ import annotations

import json
import re
import statistics

import pytest

from drafting.evaluation import evaluate_drafts, load_requests, rule_scores
from drafting.review import FAULT_KINDS

pytestmark = pytest.mark.slow

DAMAGED = "走政协是密切与政协关系"
CLEAN = "走访政协委员是密切与政协委员关系"


@pytest.fixture(scope="module")
def drafter(sample_searcher):
    from drafting.engine import Drafter

    return Drafter(sample_searcher)


@pytest.fixture(scope="module")
def report(drafter, sample_store):
    return evaluate_drafts(drafter, sample_store, load_requests())


def test_search_shows_the_clean_copy_and_lists_the_damaged_one(sample_searcher, sample_store):
    results = sample_searcher.search("走访政协委员 一年至少一次 了解委员思想工作生活情况", k=5)
    holding = [r for r in results if CLEAN in r.text or DAMAGED in r.text]
    assert holding, [r.text[:40] for r in results]
    top = holding[0]
    assert CLEAN in top.text and DAMAGED not in top.text
    damaged_chunks = {c.id for c in sample_store.chunks() if DAMAGED in c.text}
    # The damaged copy is not shown as a result of its own; where search ties it to the clean
    # one, it is listed with it.
    assert not any(DAMAGED in r.text for r in results)
    assert damaged_chunks


def test_drafts_never_show_the_damaged_copy(report):
    for d in report["drafts"]:
        for item in d["items"]:
            assert DAMAGED not in item["text"] and "一个扶对象" not in item["text"], item["text"]


def test_the_rules_find_at_most_one_faulty_item_per_draft(report):
    # The rules' count, not a reader's: the person's latest reading (draft_review.json, last
    # round) still finds more; docs/benchmarks.md sets the two side by side.
    assert len(report["drafts"]) >= 8
    assert {d["request"]["level"] for d in report["drafts"]} >= {"乡镇", "街道", "县区", "市", "省", "界别专委"}
    assert {d["request"]["year"] for d in report["drafts"]} >= {2025, 2026, 2027, 2028}
    for d in report["drafts"]:
        faulty = [i for i in d["items"] if i["faults"]]
        assert len(faulty) <= 1, (d["request"], faulty)


def test_the_persons_readings_show_fewer_faulty_items_each_round():
    from drafting.evaluation import DEFAULT_REVIEW

    rounds = json.loads(DEFAULT_REVIEW.read_text(encoding="utf-8"))["rounds"]
    faulty = [sum(1 for d in r["drafts"] for i in d["items"] if i["faults"]) for r in rounds]
    share = [n / sum(len(d["items"]) for d in r["drafts"]) for n, r in zip(faulty, rounds)]
    assert rounds[0]["round"] == "before" and len(rounds) >= 3
    # Fewer faulty items every round (the last two, at the target, found the same four), and
    # far fewer than at the start.
    assert faulty == sorted(faulty, reverse=True), faulty
    assert share[-1] < share[0] / 10, share


def test_the_persons_latest_reading_finds_at_most_one_faulty_item_per_draft():
    """Issue #10's measure: a person read every item of the drafts as the secretary who must sign
    them (draft_review.json, last round)."""
    from drafting.evaluation import DEFAULT_REVIEW

    latest = json.loads(DEFAULT_REVIEW.read_text(encoding="utf-8"))["rounds"][-1]
    drafts = latest["drafts"]
    assert len(drafts) >= 8
    assert {d["request"]["level"] for d in drafts} >= {"乡镇", "街道", "县区", "市", "省", "界别专委"}
    assert {d["request"]["year"] for d in drafts} >= {2025, 2026, 2027, 2028}
    for d in drafts:
        faulty = [i for i in d["items"] if i["faults"]]
        assert len(faulty) <= 1, (d["request"], [i["note"] for i in faulty])


def test_the_latest_reading_is_of_the_drafts_the_code_makes(report):
    """The reading counts only while it reads these drafts: a drafting change that rewrites them
    wants a new reading (see docs/benchmarks.md)."""
    from drafting.evaluation import DEFAULT_REVIEW

    latest = json.loads(DEFAULT_REVIEW.read_text(encoding="utf-8"))["rounds"][-1]
    read = [i["text"] for d in latest["drafts"] for i in d["items"]]
    made = {i["text"] for d in report["drafts"] for i in d["items"]}
    assert sum(t in made for t in read) >= 0.9 * len(read), "the drafts changed since the person read them"


def test_every_warning_a_person_reads_is_chinese(report):
    """A warning's reason comes from a data table's note (dated references, organs): the
    secretary reads it, so no English sentence may reach it (seen: "the 18th congress spoke of
    稳中求进" under a 2026 draft's item)."""
    messages = [m for d in report["drafts"] for m in d["warnings"]]
    assert messages, "the eval drafts carry warnings to read"
    english = [m for m in messages if re.search(r"[A-Za-z]{3,}", m)]
    assert english == []


def test_no_slot_the_year_or_level_decides(report):
    for d in report["drafts"]:
        for item in d["items"]:
            assert "needless_slot" not in item["faults"], item


def test_default_length_follows_the_levels_real_plans(report, sample_store):
    for d in report["drafts"]:
        assert 0.7 <= d["length_ratio"] <= 1.3, d["request"]


def test_each_item_fits_its_section(report):
    for d in report["drafts"]:
        assert not [i for i in d["items"] if "wrong_section" in i["faults"]], d["request"]


def test_the_rules_are_measured_against_a_persons_reading(sample_store):
    scores = rule_scores(sample_store)
    before = scores["before"]
    assert set(before) == set(FAULT_KINDS)
    # The kinds with a list or a rule are found reliably; precision is what keeps the
    # evaluation honest (a rule that cries wolf would hide real progress).
    for kind in ("needless_slot", "fragment", "other_level", "outdated"):
        assert before[kind]["precision"] >= 0.9 and before[kind]["recall"] >= 0.75, (kind, before[kind])


def test_eval_drafts_command_prints_the_table(sample_store_dir):
    import os
    import subprocess
    import sys

    # The real command, as tests/conftest.py's plandraft_cli runs it (not imported: under
    # tests/web a conftest of the same name would shadow it).
    env = {**os.environ, "PLANDRAFT_DATA_DIR": str(sample_store_dir), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "plandraft.cli", "eval-drafts", "--json"], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["items"] > 0 and "rules" in data and "before" in data["rules"]
    assert statistics.median(d["length_ratio"] for d in data["drafts"]) < 1.3
