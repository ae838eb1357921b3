"""The checker against the hand-labelled sentences of tests/data/proofread_gold.json (issue #12)."""
from __future__ import annotations

import json

import pytest

from proofread.evaluation import GOLD, score, spans
from proofread.text import KINDS


@pytest.fixture(scope="module")
def result():
    return score()


def test_the_gold_set_is_large_enough_and_mostly_clean():
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    sentences = gold["sentences"]
    assert len(sentences) >= 150
    assert sum(1 for s in sentences if not s["faults"]) >= 0.4 * len(sentences)
    assert sum(1 for s in sentences if s["origin"].startswith("data/samples/")) >= 50
    # Every kind with a list or a rule is labelled somewhere, and every label names text that is there.
    labelled = {f["kind"] for s in sentences for f in s["faults"]}
    assert labelled == set(KINDS)
    for s in sentences:
        for f in s["faults"]:
            assert spans(s["text"], f)


def test_precision_and_recall_per_kind(result, capsys):
    with capsys.disabled():
        print("\n" + result.table())
    overall = result.overall
    assert overall.precision >= 0.95, result.wrong
    for kind in KINDS:
        tally = result.kinds[kind]
        assert tally.faults > 0
        assert tally.recall >= 0.85, (kind, [m for m in result.missed if m[1] == kind])


def test_spans_name_the_occurrence_asked_for():
    assert spans("xx和xx", {"text": "xx", "occurrence": 2}) == [(3, 5)]
    assert spans("a,b,c", {"text": ",", "occurrence": "all"}) == [(1, 2), (3, 4)]
    with pytest.raises(ValueError):
        spans("abc", {"text": "d"})
