"""The retrieval quality harness: its scoring, and `plandraft eval` on the real sample store."""
from __future__ import annotations

import re

import pytest

from tests.conftest import plandraft_cli
from vectorstore.evaluate import score

QUERIES = [
    {"id": "a", "answer_contains": "集中学习一次"},
    {"id": "b", "answer_contains": "民主评议活动"},
    {"id": "c", "answer_contains": "从未出现的话"},
]


def test_score_counts_a_copy_listed_with_a_result_and_ignores_punctuation():
    ranked = [
        # rank 1: the answer, split by punctuation and white space
        [["每季度集中，学习 一次。"], ["别的"]],
        # rank 2: found only in a near-duplicate copy listed with the second result
        [["无关"], ["无关", "开展以优化服务环境为主要内容的民主评议活动"]],
        # never found
        [["无关"]],
    ]
    s = score(ranked, QUERIES, seconds=0.3)
    assert s.hit1 == pytest.approx(1 / 3)
    assert s.hit5 == pytest.approx(2 / 3)
    assert s.mrr == pytest.approx((1 + 1 / 2) / 3)
    assert s.ms_per_query == pytest.approx(100.0)


def _rows(section: str) -> dict[str, tuple[float, float, float]]:
    rows = {}
    for method, h1, h5, mrr in re.findall(r"^\| ([^|]+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \|$", section, re.M):
        rows.setdefault(method, (float(h1), float(h5), float(mrr)))
    return rows


@pytest.mark.slow
def test_eval_command_meets_the_retrieval_targets_and_beats_the_naive_baseline(sample_store_dir):
    result = plandraft_cli(["eval"], sample_store_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    harness, heldout = out.split("## eval_queries_heldout.json")
    assert "## eval_queries.json (94 queries)" in harness
    for section in (harness, heldout):
        rows = _rows(section)
        assert {"dense", "bm25", "hybrid", "naive LangChain baseline"} <= set(rows)
        assert rows["hybrid"][0] > rows["naive LangChain baseline"][0]
    hit1, hit5, _ = _rows(harness)["hybrid"]
    assert hit1 >= 0.85 and hit5 >= 0.95, out
