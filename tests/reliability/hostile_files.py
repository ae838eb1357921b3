"""Hostile inputs, part one: empty and binary files, wrong extensions, encodings, size and shape."""
from __future__ import annotations

import io
import os
import random
import zipfile

from hostile_kit import PLAN, TEST_DATA, Case, Ingested, Refused, docx_bytes, registrar, write

CASES: list[Case] = []
case = registrar(CASES)


# --- empty and binary --------------------------------------------------------------------------


@case("empty.txt", "0 bytes", Refused("empty file"), cli=True)
def _(d):
    return write(d, "empty.txt", b"")


@case("blank.md", "only spaces, tabs, newlines and U+3000", Refused("empty file"))
def _(d):
    return write(d, "blank.md", " \t\n\r\n\u3000\u3000\n")


@case("random.txt", "4 KB of random bytes", Refused("looks binary"), cli=True)
def _(d):
    return write(d, "random.txt", random.Random(6).randbytes(4096))


@case("nul-in-text.txt", "a plan with one NUL byte in the middle", Refused("looks binary"))
def _(d):
    raw = PLAN.encode("utf-8")
    return write(d, "nul-in-text.txt", raw[:100] + b"\x00" + raw[100:])


@case("controls.txt", "ASCII control characters (no NUL) with some Chinese", Refused("looks binary"))
def _(d):
    return write(d, "controls.txt", ("政协" + "".join(chr(c) for c in range(1, 9)) * 20).encode("utf-8"))


@case("elf.html", "an ELF executable named .html", Refused("it is an executable program"))
def _(d):
    return write(d, "elf.html", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)


# --- wrong extension ---------------------------------------------------------------------------


@case("text-as.docx", "a plain-text plan named .docx", Refused("not a valid .docx"), cli=True)
def _(d):
    return write(d, "text-as.docx", PLAN)


@case("html-as.pdf", "an HTML page named .pdf", Refused("no %PDF header"), cli=True)
def _(d):
    return write(d, "html-as.pdf", f"<html><body><p>{PLAN}</p></body></html>")


@case("docx-as.txt", "a real .docx named .txt", Refused("it is a zip archive"))
def _(d):
    return write(d, "docx-as.txt", docx_bytes([PLAN]))


@case("pdf-as.md", "a real .pdf named .md (mostly ASCII: decodes as text)", Refused("it is a PDF document"))
def _(d):
    return write(d, "pdf-as.md", (TEST_DATA / "sample.pdf").read_bytes())


@case("zip-as.docx", "a zip without word/document.xml named .docx", Refused("no word/document.xml"))
def _(d):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("plan.txt", PLAN)
    return write(d, "zip-as.docx", out.getvalue())


@case("plan.exe", "unsupported extension", Refused("unsupported file type '.exe'"))
def _(d):
    return write(d, "plan.exe", PLAN)


@case("plan", "no extension", Refused("unsupported file type '(no extension)'"))
def _(d):
    return write(d, "plan", PLAN)


@case("fifo.txt", "a named pipe (would block a naive reader)", Refused("not a regular file"))
def _(d):
    path = d / "fifo.txt"
    os.mkfifo(path)
    return path


@case("missing.txt", "a path that does not exist", Refused("file not found"))
def _(d):
    return d / "missing.txt"


@case("dangling-link.txt", "a symlink to nowhere", Refused("file not found"))
def _(d):
    path = d / "dangling-link.txt"
    os.symlink(d / "nowhere.txt", path)
    return path


# --- encodings ---------------------------------------------------------------------------------


@case("gb18030.txt", "GB18030, with a 4-byte character (𠮷)", Ingested(contains=("坚持集中学习制度", "𠮷")))
def _(d):
    return write(d, "gb18030.txt", (PLAN + "附：𠮷字为四字节字符。\n").encode("gb18030"))


@case("big5.txt", "Big5 (traditional characters)", Ingested(contains=("政協工作", "加強學習")), cli=True)
def _(d):
    text = "青禾鎮政協工作組工作計劃\n一、加強學習，提高委員履職能力\n每季度組織一次委員集中學習，重點學習人民政協理論和有關法律法規。\n二、圍繞中心工作，積極建言獻策\n組織委員深入村組開展調研，形成調研報告。\n"
    return write(d, "big5.txt", text.encode("cp950"))


@case("utf16.txt", "UTF-16 LE with BOM (Notepad's 'Unicode')", Ingested(contains=("坚持集中学习制度",)))
def _(d):
    return write(d, "utf16.txt", b"\xff\xfe" + PLAN.encode("utf-16-le"))


@case("truncated-utf8.txt", "UTF-8 cut in the middle of the last character", Ingested(contains=("坚持集中学习制度", "推动"), absent=("\ufffd",)))
def _(d):
    raw = (PLAN + "推动工作").encode("utf-8")
    return write(d, "truncated-utf8.txt", raw[:-1])


@case("damaged-utf8.txt", "UTF-8 with two bytes overwritten in the middle", Ingested(contains=("坚持集中学习制度", "\ufffd")))
def _(d):
    raw = bytearray((PLAN * 3).encode("utf-8"))
    raw[400:402] = b"\xff\xfe"
    return write(d, "damaged-utf8.txt", bytes(raw))


@case("rtf-as.txt", "an RTF document named .txt", Refused("it is an RTF document"))
def _(d):
    return write(d, "rtf-as.txt", r"{\rtf1\ansi\ansicpg936 {\fonttbl{\f0 SimSun;}}\f0 \'d5\'fe\'d0\'ad}")


@case("ole-as.docx", "an old binary Word .doc renamed .docx", Refused("not a valid .docx"))
def _(d):
    return write(d, "ole-as.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))


@case("gbk-html-lies.html", "HTML declaring charset=utf-8 but written in GBK",
      Ingested(contains=("坚持集中学习制度",), absent=("\ufffd",)))
def _(d):
    page = f'<html><head><meta charset="utf-8"></head><body><article><p>{PLAN.replace(chr(10), "</p><p>")}</p></article></body></html>'
    return write(d, "gbk-html-lies.html", page.encode("gbk"))


# --- size and shape ----------------------------------------------------------------------------


@case("50mb.txt", "50 MB of real plan text (limit 20 MB)", Refused("file too large"), cli=True)
def _(d):
    path = d / "50mb.txt"
    line = "镇党委高度重视政协工作，摆上重要议事日程。\n".encode("utf-8")
    with path.open("wb") as f:
        f.write(line * (50 * 1024 * 1024 // len(line) + 1))
    return path


@case("one-2mb-line.txt", "one 2 MB line of Chinese without a line break", Ingested(contains=("每季度组织一次委员集中学习",)))
def _(d):
    sentence = "每季度组织一次委员集中学习，重点学习人民政协理论和有关法律法规。"
    return write(d, "one-2mb-line.txt", sentence * (2 * 1024 * 1024 // len(sentence.encode("utf-8"))))


@case("one-line-nostop.txt", "one 512 KB line with no punctuation at all (cut hard at 600 characters)", Ingested(contains=("政协委员",)))
def _(d):
    return write(d, "one-line-nostop.txt", "政协委员履职" * (512 * 1024 // 18))


@case("many-headings.txt", "1,500 heading lines (一、 › （一） › 1、), the same section 500 times", Ingested(contains=("加强学习",)))
def _(d):
    lines = []
    for i in range(500):
        lines += ["一、加强学习", "（一）集中学习", "1、每季度学习一次。"]
    return write(d, "many-headings.txt", "\n".join(lines))


@case("many-markers.txt", "500 near-identical documents marked 篇1…篇500 in one file", Ingested(contains=("集中学习",)))
def _(d):
    parts = []
    for i in range(1, 501):
        parts.append(f"政协工作计划篇{i}\n一、加强学习\n组织委员集中学习第{i}次。")
    return write(d, "many-markers.txt", "\n".join(parts))


@case("punctuation.txt", "punctuation only", Refused("no text left after cleaning"))
def _(d):
    return write(d, "punctuation.txt", "。，、；：？！……——“”‘’《》（）【】\n" * 50 + "...,,,;;;!!!???\n")


@case("separators.txt", "two plans separated by lines of ****** and ——————", Ingested(contains=("坚持集中学习制度",)))
def _(d):
    return write(d, "separators.txt", PLAN + "\n******\n——————\n" + PLAN.replace("青禾镇", "红星镇") + "\n************\n")


@case("furniture.txt", "site furniture only (当前位置, 格式, 大小, 相关范文推荐)", Refused("no text left after cleaning"))
def _(d):
    return write(d, "furniture.txt", "当前位置:首页>工作计划\n格式:docx\n大小:22.31 KB\n文档页数:15\n相关范文推荐\n社区疫苗接种安排\n")


@case("deep.html", "HTML nested 50,000 <div>s deep", Ingested(contains=("坚持集中学习制度",)))
def _(d):
    depth = 50_000
    return write(d, "deep.html", "<html><body>" + "<div>" * depth + PLAN + "</div>" * depth + "</body></html>")
