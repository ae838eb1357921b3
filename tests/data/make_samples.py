"""Rebuild the loader samples in this folder (tests/test_loaders.py reads them).

Run from the repository root:  .venv/bin/python tests/data/make_samples.py
Needs python-docx, pypdf and reportlab (a test extra). The plan text is written for these
tests and copied from nowhere; every output is deterministic except the PDF's and docx's
embedded timestamps, which the tests do not look at.
"""
from __future__ import annotations

import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

TITLE = "青禾镇政协工作组2025年工作计划"
INTRO = (
    "2025年，镇政协工作组在镇党委的领导和县政协的指导下，坚持团结和民主两大主题，"
    "围绕全镇中心工作，认真履行政治协商、民主监督、参政议政职能，"
    "为推动全镇经济社会高质量发展贡献力量。现将全年工作安排如下。"
)
# (section heading, [(sub-item heading, body), ...])
SECTIONS = [
    (
        "一、加强学习，提高委员履职能力",
        [
            ("（一）坚持集中学习制度。",
             "每季度组织一次委员集中学习，重点学习人民政协理论和有关法律法规，引导委员把握形势、明确任务。"),
            ("（二）开展履职培训。",
             "邀请县政协有关同志为委员授课，帮助新任委员熟悉提案撰写和调研视察的基本方法。"),
        ],
    ),
    (
        "二、围绕中心工作，积极建言献策",
        [
            ("（一）组织专题调研。",
             "围绕乡村振兴和农村人居环境整治，组织委员深入村组开展调研，形成调研报告，报送镇党委、镇政府参考。"),
            ("（二）做好提案和社情民意信息工作。",
             "引导委员关注群众急难愁盼问题，全年提交提案不少于五件，报送社情民意信息不少于十条。"),
        ],
    ),
    (
        "三、加强自身建设，提升工作水平",
        [
            ("（一）健全工作制度。",
             "完善委员联系群众、委员履职登记等制度，推动工作制度化、规范化、程序化。"),
            ("（二）做好宣传信息工作。",
             "及时报送工作动态，讲好委员履职故事。"),
        ],
    ),
]
SIGNATURE = ["青禾镇政协工作组", "2025年1月"]
TABLE = [
    ("工作内容", "时间安排", "牵头负责"),
    ("委员集中学习", "每季度末", "工作组组长"),
    ("乡村振兴专题调研", "5月至6月", "工作组副组长"),
]


def plain_text() -> str:
    """The plan as a 公文-style plain text file: 一、 headings and （一） items."""
    lines = [TITLE, "", INTRO, ""]
    for heading, items in SECTIONS:
        lines.append(heading)
        lines.extend(item + body for item, body in items)
        lines.append("")
    lines.extend(SIGNATURE)
    return "\n".join(lines) + "\n"


def markdown_text() -> str:
    lines = [f"# {TITLE}", "", INTRO, ""]
    for heading, items in SECTIONS:
        lines += [f"## {heading}", ""]
        for item, body in items:
            lines += [item + body, ""]
    lines.extend(SIGNATURE)
    return "\n".join(lines) + "\n"


def html_text() -> str:
    """A page as a 范文 site would serve it, furniture and all."""
    article = [f"<h1>{TITLE}</h1>",
               '<div class="info">时间:2025-01-08 09:12:40 作者:网友投稿</div>',
               f"<p>　　{INTRO}</p>"]
    for heading, items in SECTIONS:
        article.append(f"<h2>{heading}</h2>")
        for item, body in items:
            # A source line break inside the paragraph, as scraped HTML often has.
            article.append(f"<p>　　<strong>{item}</strong>{body[:12]}\n{body[12:]}</p>")
    article.append("<p>" + "<br>".join(SIGNATURE) + "</p>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{TITLE}_工作计划_范文网</title>
<style>.nav{{color:red}} body::after{{content:"样式里的字"}}</style>
<script>alert(1)</script>
</head>
<body>
<div class="header"><div class="logo">范文网</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/jh/">工作计划</a></li>
<li><a href="/zj/">工作总结</a></li><li><a href="/fy/">发言稿</a></li></ul></div>
<div class="wrap">
<div class="position">当前位置:<a href="/">首页</a>&gt;<a href="/jh/">工作计划</a>&gt;政协工作计划</div>
<div class="main-left">
<article>
{chr(10).join(article)}
<div class="share">分享到：微信 微博 QQ空间</div>
</article>
<div class="related"><h3>相关范文推荐</h3><ul>
<li><a href="/a/1.html">社区疫苗接种工作安排</a></li>
<li><a href="/a/2.html">乡村旅游节活动方案</a></li></ul></div>
<div id="comments">网友评论：写得很好，收藏了。</div>
</div>
<div class="sidebar"><h3>热门文章</h3><p>本站热门的年终总结大全</p></div>
</div>
<div class="ad-box">广告：公文写作培训班火热报名中</div>
<footer>版权所有 范文网 备案号：示例ICP备00000000号</footer>
<script>document.write("脚本写出的字")</script>
</body>
</html>
"""


def write_docx(path: Path) -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(TITLE, style="Title")
    document.add_paragraph(INTRO)
    for number, (heading, items) in enumerate(SECTIONS):
        document.add_heading(heading, level=1)
        for item, body in items:
            document.add_heading(item.rstrip("。"), level=2)
            document.add_paragraph(body)
        if number == 0:
            # A table between two sections: the loader must keep it in that place.
            table = document.add_table(rows=0, cols=3)
            for row in TABLE:
                cells = table.add_row().cells
                for cell, value in zip(cells, row):
                    cell.text = value
    for line in SIGNATURE:
        document.add_paragraph(line)
    _slim(document)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _slim(document) -> None:
    """Drop what python-docx's default template carries but the sample does not use.

    The template weighs ~38 KB (every built-in style, a thumbnail, a theme); the samples
    must stay small, and Word opens the result all the same.
    """
    from docx.oxml.ns import qn

    unused = ("stylesWithEffects", "customXml", "webSettings", "/theme", "thumbnail")
    for rels in (document.part.rels, document.part.package.rels):
        for rel_id, rel in list(rels.items()):
            if rel.reltype.endswith(unused):
                rels.pop(rel_id)
    styles = document.styles.element
    keep = {"Normal", "Title", "Heading1", "Heading2", "TableNormal", "TableGrid",
            "DefaultParagraphFont", "TitleChar", "Heading1Char", "Heading2Char"}
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in keep:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)


def write_pdf(path: Path) -> None:
    """Two pages of the plan set in reportlab's built-in CID font STSong-Light."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4

    def lines_on_page(lines: list[str]) -> None:
        y = height - 72
        for line in lines:
            # Wrap by characters: 公文 lines have no spaces to break at.
            while line:
                pdf.setFont("STSong-Light", 12)
                pdf.drawString(56, y, line[:38])
                line = line[38:]
                y -= 20
        pdf.showPage()

    first = [TITLE, INTRO, SECTIONS[0][0]] + [i + b for i, b in SECTIONS[0][1]]
    second = []
    for heading, items in SECTIONS[1:]:
        second.append(heading)
        second.extend(i + b for i, b in items)
    lines_on_page(first)
    lines_on_page(second + SIGNATURE)
    pdf.save()


def main() -> None:
    text = plain_text()
    (HERE / "sample_utf8.txt").write_bytes(text.encode("utf-8"))
    # The BOM sample also has Windows line ends: both must vanish on loading.
    windows = text.replace("\n", "\r\n")
    (HERE / "sample_bom.txt").write_bytes(b"\xef\xbb\xbf" + windows.encode("utf-8"))
    (HERE / "sample_gb18030.txt").write_bytes(text.encode("gb18030"))
    (HERE / "sample.md").write_bytes(markdown_text().encode("utf-8"))
    (HERE / "sample.html").write_bytes(html_text().encode("utf-8"))
    docx_bytes = write_docx(HERE / "sample.docx")
    write_pdf(HERE / "sample.pdf")

    (HERE / "sample_empty.txt").write_bytes(b"")
    rng = random.Random(20250108)
    (HERE / "sample_binary.txt").write_bytes(b"\x00\x01PK" + rng.randbytes(1020))
    # Cut before the central directory: what an interrupted upload leaves behind.
    (HERE / "sample_broken.docx").write_bytes(docx_bytes[: len(docx_bytes) // 3])
    (HERE / "sample_broken.pdf").write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(2000) + b"\nthis is not a pdf body\n"
    )

    for path in sorted(HERE.glob("sample*")):
        assert path.stat().st_size < 20_000, path
        print(f"{path.name:24} {path.stat().st_size:6} bytes")


if __name__ == "__main__":
    main()
