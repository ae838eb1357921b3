"""The heading tree of one plan, and chunks that follow it.

Plans number their parts in nested styles: ``一、`` › ``（一）`` › ``1、``/``1.`` › ``（1）``,
``一是…`` items, and Markdown ``##`` headings.  A chunk is one section's own text (its
heading line and body up to the next heading); a long section is cut at sentence ends,
never across a heading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.domain import ROLE_KEYWORDS
from ingest.textkit import CN_DIGITS as _CN, cn_number

# Numbering styles, shallow to deep.  The rank orders them when a document mixes styles.
HEADING_STYLES: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("cn", 1.0, re.compile(rf"^(?P<num>[{_CN}]{{1,3}})\s*[、.．](?!\d)")),
    ("cn_paren", 2.0, re.compile(rf"^[（(](?P<num>[{_CN}]{{1,3}})[）)]\s*")),
    ("cn_shi", 2.5, re.compile(rf"^(?P<num>[{_CN}]{{1,3}})是(?=[\u4e00-\u9fff])")),
    ("di", 2.7, re.compile(rf"^第(?P<num>[{_CN}]{{1,3}})[，,、]")),
    ("num", 3.0, re.compile(r"^(?P<num>\d{1,2})\s*[、.．](?!\d)\s*")),
    ("num_paren", 4.0, re.compile(r"^[（(](?P<num>\d{1,2})[）)]\s*")),
)
_MARKDOWN = re.compile(r"^(?P<hashes>#{1,6})\s*(?P<rest>.*)$")
_BULLET = re.compile(r"^[-*•]\s+")


@dataclass
class Heading:
    """A numbered or Markdown heading found at the start of a line."""

    style: str
    rank: float
    number: int
    title: str  # the heading's own words, without the number
    has_body: bool  # the line goes on past the heading (heading and text glued together)


def parse_heading(line: str) -> Heading | None:
    """The heading a line starts with, if any."""
    line = _BULLET.sub("", line.strip())
    md = _MARKDOWN.match(line)
    md_depth = 0
    if md:
        md_depth = len(md.group("hashes"))
        line = md.group("rest").strip()
    for style, rank, pattern in HEADING_STYLES:
        m = pattern.match(line)
        if m:
            rest = line[m.end():].strip()
            title, has_body = _heading_title(rest)
            return Heading(style, rank, cn_number(m.group("num")), title, has_body)
    if md:
        # A Markdown heading with no numbering of its own.
        title, has_body = _heading_title(line)
        return Heading(f"md{md_depth}", 0.5 + md_depth * 0.01, 0, title, has_body)
    return None


def _heading_title(rest: str) -> tuple[str, bool]:
    """Split "加强学习。认真制定学习计划…" into its title and whether a body follows."""
    m = re.search(r"[。！？；：:]", rest)
    if m and m.end() < len(rest):
        return rest[: m.start()], True
    title = rest.rstrip("。！？；：:")
    # A line that is long but never stops is a heading glued to its text without a stop
    # ("一、优化提案工作流程提案工作是政协…"): its first clause is the best title there is.
    if len(title) > 40:
        first = re.split(r"[，,]", title, maxsplit=1)[0]
        return first[:30], True
    return title, False


@dataclass
class Section:
    """A run of lines under one heading path."""

    heading_path: list[str]
    start: int  # character offsets within the document text
    end: int
    lines: list[str] = field(default_factory=list)


def sections(text: str) -> list[Section]:
    """Cut a document's text into sections, each with its heading path.

    Styles nest in the usual 公文 order, so ``1、`` directly under ``一、`` (no ``（一）``
    between) still nests under it.
    """
    result: list[Section] = []
    stack: list[tuple[float, str]] = []  # (rank, title) of the open headings
    offset = 0
    current: Section | None = None
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        heading = parse_heading(line)
        if heading is not None:
            rank = heading.rank
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, heading.title))
            current = Section([t for _, t in stack], start, end, [line])
            result.append(current)
            continue
        if current is None:
            current = Section([], start, end, [line])
            result.append(current)
        else:
            current.lines.append(line)
            current.end = end
    return result


# --- section roles ------------------------------------------------------------------------
# Keywords per role: data/domain.json (ingest.domain.ROLE_KEYWORDS).


def section_role(heading_path: list[str], body: str) -> str:
    """The role of a section in a plan, from its headings first and its text second."""
    scores: dict[str, float] = {}
    weights = [3.0 + i for i in range(len(heading_path))]  # the innermost heading weighs most
    for weight, title in zip(weights, heading_path):
        for role, words in ROLE_KEYWORDS.items():
            hits = sum(1 for w in words if w in title)
            if hits:
                scores[role] = scores.get(role, 0.0) + weight * hits
    for role, words in ROLE_KEYWORDS.items():
        hits = sum(body.count(w) for w in words)
        if hits:
            scores[role] = scores.get(role, 0.0) + min(hits, 6) * 0.5
    if not scores:
        return "other"
    return max(scores.items(), key=lambda kv: kv[1])[0]


# A sentence that states the plan's whole stance ("…将在县政协的指导下，全面贯彻…精神，认真履
# 行…职能") opens a plan; under any other heading it repeats the preamble.
_STANCE = re.compile(r"在[^。；]{2,24}?(?:领导|指导)下")
_STANCE_WORDS = re.compile(r"贯彻|精神|职能|为指导")
# An item's closing purpose ("…形成高质量提案，以充分发挥提案在民主监督中的作用") says which
# section's work it serves.
_PURPOSE = re.compile(r"[，,](?:以|为|从而|进而)[^，,。；]*[。；]?$")


def misplaced(role: str, lead: str | None, sentences: list[str]) -> str | None:
    """Why a unit filed under ``role`` is about something else, or None.

    Its opening (or, for an enumeration, any member) has none of the role's words and two or
    more of other roles' ("首先……围绕招商引资、乡村振兴开展调查研究" under 宣传), or it states
    the plan's whole stance.  The roles that gather anything (指导思想, 工作要求) are not checked.
    """
    from ingest.quality import members

    if role not in ROLE_KEYWORDS or role in ("指导思想", "工作要求"):
        return None
    opening = (lead or "") + (sentences[0] if sentences else "")
    if _STANCE.search(opening) and _STANCE_WORDS.search(opening):
        return "指导思想"
    purpose = _PURPOSE.search(sentences[-1]) if sentences else None
    parts = members("".join(sentences)) or [opening]
    if purpose:
        parts.append(purpose.group(0))
    for part in parts:
        if any(w in part for w in ROLE_KEYWORDS[role]):
            continue
        scores = {r: sum(part.count(w) for w in words) for r, words in ROLE_KEYWORDS.items() if r not in (role, "指导思想")}
        best = max(scores, key=scores.get)
        if sum(scores.values()) >= 2:  # two of other sections' words, none of its own
            return best
    return None


# --- placeholders and foreign names -------------------------------------------------------------

PLACEHOLDER_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"20[xX×]{2}",
        r"20[xX]\b",
        r"201[xX]",
        r"20_{1,}|20-{2,}|20—{1,}",
        r"十[xX_]+届[xX_]+中?全会",
        r"十[xX]{1,2}[届大中]?",
        r"十_大",
        r"[xX]{2}[镇乡县区市省]",
        r"[xX]{2,}(?=[\u4e00-\u9fff])",
        r"\*\*[镇乡县区市省街]",
        r"某某+",
        r"_{2,}",
        r"-{2,}|—{2,}(?=年度|地区|届)",
        r"\*{3,}",
        r"\^v\^",
        r"(?<![\u4e00-\u9fff])_(?=[\u4e00-\u9fff])",
        r"(?<=[\u4e00-\u9fff])_(?=[\u4e00-\u9fff])",
        r"X{2,}",
        r"XX件",
    )
)


def find_placeholders(text: str) -> list[str]:
    """Every placeholder a scraper or a template left in the text, in order, without repeats."""
    found: list[tuple[int, str]] = []
    for pattern in PLACEHOLDER_PATTERNS:
        for m in pattern.finditer(text):
            found.append((m.start(), m.group(0)))
    seen: dict[str, None] = {}
    for _, value in sorted(found):
        seen.setdefault(value, None)
    return list(seen)


# Provinces and well-known cities that stand without a suffix ("洛阳济源融合发展").  Names with
# a suffix (湘潭市, 杭川镇, 香山街道) are found by their suffix and need no list.
_KNOWN_PLACES = frozenset(
    """北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东
    海南 四川 贵州 云南 陕西 甘肃 青海 内蒙古 广西 西藏 宁夏 新疆 石家庄 太原 沈阳 大连 长春 哈尔滨 南京
    苏州 无锡 常州 南通 扬州 徐州 杭州 宁波 温州 绍兴 嘉兴 湖州 金华 台州 舟山 合肥 芜湖 福州 厦门 泉州
    南昌 赣州 济南 青岛 烟台 潍坊 郑州 洛阳 开封 济源 新乡 南阳 武汉 宜昌 襄阳 长沙 株洲 湘潭 岳阳 常德
    衡阳 广州 深圳 珠海 佛山 东莞 南宁 柳州 桂林 海口 成都 绵阳 贵阳 遵义 昆明 西安 兰州 西宁 银川 乌鲁木齐
    拉萨 呼和浩特 吴中 乌当 长兴 平果 洛南 常宁 光泽""".split()
)
_PLACE_SUFFIX = re.compile(r"^(街道|镇|乡|县|区|市|省)")
_OWN_SUFFIX = re.compile(r"(街道|镇|乡|县|区|市|省)$")
_NOT_A_PLACE_START = set("全我本各该城乡镇县区市省街村中上下外内")
_NOT_NAMES = {"文明", "会议", "常委", "委员"}
_TITLES = r"(?:副主席|主席|委员长|副书记|书记|县长|市长|区长|镇长|乡长|主任|同志)"
_PERSON_AFTER_TITLE = re.compile(r"(?:主席|委员长|书记|主任)([\u4e00-\u9fff]{2,3})(?=[，。、：（致主持]|$)")


def find_foreign_names(text: str) -> list[str]:
    """Names of particular places, organisations and people (香山街道, 吴中区, 栗战书 …).

    A draft for another body must not carry these over silently, so ingest records them.
    Precision matters more than recall here: a false name would become a needless slot.
    """
    import jieba
    import jieba.posseg as pseg  # imported on first use: jieba builds its dictionary lazily

    jieba.setLogLevel(60)  # its "Building prefix dict" chatter would land in every CLI report

    names: dict[str, None] = {}
    tokens = list(pseg.cut(text))
    for i, tok in enumerate(tokens):
        word, flag = tok.word, tok.flag
        following = "".join(t.word for t in tokens[i + 1 : i + 4])
        suffix = _PLACE_SUFFIX.match(following)
        if word in _NOT_NAMES:
            continue
        if len(word) >= 2 and word[0] not in _NOT_A_PLACE_START and flag in ("ns", "nr", "nz"):
            if suffix and not _OWN_SUFFIX.search(word):
                names.setdefault(word + suffix.group(1), None)
                continue
            if flag == "ns" and (_OWN_SUFFIX.search(word) and len(word) >= 3 or word in _KNOWN_PLACES):
                names.setdefault(word, None)
                continue
        if word in _KNOWN_PLACES:
            names.setdefault(word, None)
        elif flag in ("nr", "nrfg", "nrt") and len(word) <= 3:
            # A person counts only before a title: 姚副主席, 栗战书委员长.
            m = re.match(rf"^([\u4e00-\u9fff]{{0,2}}?)({_TITLES})", following)
            if m:
                names.setdefault(word + (m.group(1) or m.group(2)), None)
    for m in _PERSON_AFTER_TITLE.finditer(text):
        if m.group(1)[:2] not in _NOT_NAMES and m.group(1)[0] not in "的之和与等要在对为是及讲致":
            names.setdefault(m.group(1), None)
    return list(names)
