"""The loader samples in tests/data and what every good one says (make_samples.py wrote them)."""
from __future__ import annotations

from pathlib import Path

from ingest.loaders import LoadedFile, load_file

DATA = Path(__file__).parent / "data"
LIMIT = 1_000_000

TITLE = "青禾镇政协工作组2025年工作计划"
SENTENCES = [
    "坚持团结和民主两大主题",
    "每季度组织一次委员集中学习，重点学习人民政协理论和有关法律法规",
    "全年提交提案不少于五件，报送社情民意信息不少于十条。",
    "推动工作制度化、规范化、程序化。",
]
HEADINGS = ["一、加强学习，提高委员履职能力", "三、加强自身建设，提升工作水平"]


def load(name: str) -> LoadedFile:
    return load_file(DATA / name, LIMIT)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n")]
