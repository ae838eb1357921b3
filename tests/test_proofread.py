"""The 校对 checker (proofread/): each rule on text it must flag and text it must leave alone,
the Word and file readers, and ``plandraft check``."""
from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from plandraft.cli import main
from proofread import CheckContext, CheckError, Finding, check_docx, check_file, check_text
from proofread.text import deduplicate

TOWN_2026 = CheckContext(year=2026, level="乡镇", org_name="杭川镇政协工作组")


def kinds(text: str, context: CheckContext | None = None) -> list[tuple[str, str, str | None]]:
    return [(f.kind, f.text, f.fix) for f in check_text(text, context)]


def test_a_typo_of_the_list_is_found_with_its_span_fix_and_source():
    text = "为更好地覆行政协职能打下坚实基础。"
    (finding,) = check_text(text)
    assert (finding.kind, finding.text, finding.fix) == ("typo", "覆行", "履行")
    assert text[finding.start: finding.end] == "覆行"
    assert finding.source == "confusions.tsv:corpus" and "履行" in finding.message


def test_a_typos_letters_inside_other_words_are_not_a_typo():
    # 拼凑|和 holds the letters of 凑和 (→ 凑合) across two words.
    assert kinds("改变拼凑和应付的做法。") == []
    assert kinds("要认真梳理委员的意见。") == []


def test_usage_counts_only_in_its_sense():
    assert kinds("截止目前，已收到提案。") == [("usage", "截止", "截至")]
    assert kinds("截止到2025年底，共办理提案。")[0][:2] == ("usage", "截止到")
    assert kinds("提案征集截止日期为3月15日。") == []
    assert kinds("报名截止后不再受理。") == []
    assert kinds("其它委员也要参与。") == [("usage", "其它", "其他")]
    assert kinds("其他委员也要参与。") == []
    assert kinds("要象对待亲人一样对待群众。") == [("usage", "象", "像")]
    assert kinds("树立良好形象一样重要。") == []


def test_outdated_references_depend_on_the_plans_year():
    assert kinds("围绕“十四五”规划建言献策。", CheckContext(year=2025)) == []
    assert kinds("围绕“十四五”规划建言献策。", CheckContext(year=2026))[0][:2] == ("outdated", "“十四五”")
    assert kinds("深入学习党的十九大精神。", CheckContext(year=2024))[0][:2] == ("outdated", "党的十九大")
    assert kinds("深入学习党的十九大精神。", CheckContext(year=2018)) == []
    assert kinds("自党的十八大以来取得长足发展。", CheckContext(year=2026)) == []
    assert kinds("庆祝建党100周年。", CheckContext(year=2021)) == []
    assert kinds("庆祝建党100周年。", CheckContext(year=2023))[0][:2] == ("outdated", "建党100周年")
    # Without a year nothing is outdated.
    assert kinds("深入学习党的十九大精神。") == []


def test_another_levels_self_words_and_missing_organs():
    assert kinds("召开常委会，研究部署工作。", TOWN_2026) == [("level_word", "常委会", None)]
    assert kinds("积极参加县政协常委会组织的视察。", TOWN_2026) == []
    assert kinds("为本镇发展建言献策。", CheckContext(level="县区")) == [("level_word", "本镇", None)]
    assert kinds("为本镇发展建言献策。", CheckContext(level="乡镇")) == []
    assert kinds("本区域内的项目要加快推进。", CheckContext(level="市")) == []
    for level in ("乡镇", "街道", "县区", "市", "省"):
        assert kinds("政协委员要带头履职尽责。", CheckContext(level=level)) == []


def test_other_bodies_and_foreign_places():
    context = CheckContext(level="县区", org_name="长兴县政协", other_bodies=("吴中区政协",))
    assert kinds("学习吴中区政协的做法。", context) == [("other_body", "吴中区政协", None)]
    assert kinds("围绕湘潭市中心工作开展协商。", context) == [("other_body", "湘潭市", None)]
    # The body's own place, and the city above it, are its own.
    assert kinds("为长兴县和湖州市发展建言献策。", context) == []


def test_placeholders():
    found = kinds("20xx年，xx镇政协要学习【待填：会议名称】精神，某某同志带头。")
    assert [k for k, _, _ in found] == ["placeholder"] * 4
    assert [t for _, t, _ in found] == ["20xx", "xx镇", "【待填：会议名称】", "某某"]


def test_numbers_are_judged_against_the_sources_only_when_given():
    sources = ("全年开展视察3次，提交提案12件，办复率100%，投入1,200万元。",)
    context = CheckContext(year=2026, sources=sources)
    assert kinds("全年开展三次视察，提交提案12件，投入1200万元。", context) == []
    assert kinds("全年开展视察5次，办复率98%。", context) == [("number", "5", None), ("number", "98%", None)]
    assert kinds("2026年全年开展视察5次。", CheckContext(year=2026)) == []  # no sources: not judged
    assert kinds("2026年，全年开展视察3次。", context) == []  # the plan's own year is no figure to cite


def test_punctuation_by_gb_t_15834():
    assert kinds("加强学习,提高素质;(一)坚持") == [
        ("punctuation", ",", "，"), ("punctuation", ";", "；"), ("punctuation", "(", "（"), ("punctuation", ")", "）")]
    assert kinds("完成1,200万元，上午9:30开会。") == []
    assert kinds("全面提升。。工作，，") == [("punctuation", "。。", "。"), ("punctuation", "，，", "，")]
    assert kinds("大兴“创一流业绩之风。") == [("punctuation", "“", None)]
    assert kinds("认真学习《政协章程》和“四个一”。") == []
    assert kinds("1、加强学习") == [("punctuation", "、", ".")]


def test_overlapping_findings_are_reported_once():
    # 就象 (usage) and its 象 (usage, another entry) cover the same characters.
    assert kinds("就象一家人一样。") == [("usage", "就象", "就像")]
    a = Finding("number", 0, 2, "20", "m", "sources")
    b = Finding("placeholder", 0, 4, "20xx", "m", "structure")
    assert deduplicate([a, b]) == [b]


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_files_findings_name_their_paragraph_and_offsets_within_it():
    raw = _docx(["杭川镇政协工作组2026年工作计划", "", "继续探索民童监督的新思路。"])
    found = check_docx(raw, TOWN_2026)
    assert {f.kind for f in found} >= {"layout"}  # python-docx's blank template is no 公文
    (finding,) = [f for f in found if f.kind != "layout"]
    assert finding.paragraph == 2 and (finding.start, finding.end) == (4, 8) and finding.text == "民童监督"
    with pytest.raises(CheckError):
        check_docx(b"not a zip")


def test_check_file_reads_txt_md_and_docx_and_names_a_bad_file(tmp_path):
    (tmp_path / "a.txt").write_text("其它工作。", encoding="gb18030")
    (tmp_path / "a.md").write_text("## 一、学习\n其它工作。", encoding="utf-8")
    (tmp_path / "a.docx").write_bytes(_docx(["其它工作。"]))
    for name in ("a.txt", "a.md", "a.docx"):
        assert [f.text for f in check_file(tmp_path / name) if f.kind != "layout"] == ["其它"], name
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    for name in ("a.pdf", "missing.txt"):
        with pytest.raises(CheckError, match=name):
            check_file(tmp_path / name)


def _cli(args: list[str]):
    return CliRunner().invoke(main, args)


def test_plandraft_check_prints_one_finding_a_line_and_exits_1(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("全面提升。\n截止目前，我镇政协已召开常委会。\n", encoding="utf-8")
    result = _cli(["check", str(path), "--year", "2026", "--level", "乡镇"])
    assert result.exit_code == 1, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines == [
        ["第2行第1字", "规范用语", "截止", "截至", lines[0][4]],
        ["第2行第13字", "层级用语", "常委会", "—", lines[1][4]],
    ]
    assert "截至" in lines[0][4]


def test_plandraft_check_json_and_a_clean_file_exits_0(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(_docx(["全面提升委员履职能力。", "其它工作。"]))
    result = _cli(["check", str(path), "--json"])
    assert result.exit_code == 1
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["kind"] != "layout"]
    assert finding["paragraph"] == 1 and finding["kind"] == "usage" and finding["fix"] == "其他"
    clean = tmp_path / "clean.md"
    clean.write_text("全面提升委员履职能力。", encoding="utf-8")
    result = _cli(["check", str(clean)])
    assert result.exit_code == 0 and result.stdout == ""


def test_plandraft_check_exits_2_naming_a_bad_file(tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    result = _cli(["check", str(bad)])
    assert result.exit_code == 2 and "broken.docx" in result.stderr
    result = _cli(["check", str(Path(tmp_path / "nowhere.txt"))])
    assert result.exit_code == 2 and "nowhere.txt" in result.stderr
