"""What is wrong with a piece of plan text, found once at ingest and stored with its unit.

Two kinds of finding:
- *signals*: faults a reader would repair — a damaged copy, a typo, leftover numbering, a lone
  placeholder mark, an enumeration used in part, a past-tense summary, a 范文 site's blurb;
- *particulars*: another body's own things — places (from the gazetteer), development zones,
  quoted local slogans, named programmes, documents, meetings, regional strategies.

Local findings need only the text; damage and typos need the corpus (a clean copy, the usual
spelling), so :class:`ingest.corpus_index.CorpusIndex` finds those once every file is in.  The same functions check
a finished draft (drafting.review), so the draft is judged by the rules that built it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ingest.blurbs import is_blurb  # noqa: F401 - drafting's reviewer asks quality for it
from ingest.lexicon import particular_rules
from ingest.textkit import CN_DIGITS, SENTENCE_END, STOPS

# Signals that keep a unit out of a draft unless drafting can repair them.
SIGNAL_KINDS = ("damaged", "typo", "doubled", "numbering", "placeholder_mark", "fragment", "past_tense", "blurb", "misplaced", "mixed", "essay")

# Enumerations inside an item: a reader expects all of one, so a unit uses it whole or not at all.
_CN = CN_DIGITS
_ENUM_SHI = re.compile(rf"(?:^|(?<=[，。；：、\s]))([{_CN}])(?:是|要)(?=[\u4e00-\u9fff])")
_ENUM_DI = re.compile(rf"(?:^|(?<=[，。；：\s]))第([{_CN}])(?=[，,、])")
_ENUM_QI = re.compile(rf"(?:^|(?<=[，。；：\s]))其([{_CN}])(?=[，,、])")
_ENUM_SHOUXIAN = re.compile(r"(?:^|(?<=[，。；：\s]))(首先|其次|再次|最后)(?=[，,、\u4e00-\u9fff])")
# Numbering left inside running text by a scraper that glued items together ("…。2、进一步…").
_INLINE_NUMBER = re.compile(rf"(?<=[{STOPS}，])\s*(?:\d{{1,2}}|[（(]\d{{1,2}}[）)])[、.．](?!\d)")
# A lone mark where the site removed a word: "*养殖", "学习_理论" (not the 20xx / **镇 kind,
# which adaptation fills).
_LONE_MARK = re.compile(r"(?<![*＊_])[*＊](?![*＊镇乡县区市街])|(?<![_\d])_(?![_\d])")
# A lone 某 in a plan is a name the site hid (某单位) or a typo (某群众所需 for 谋): either way
# not a sentence to sign.  某些 / 某种 / 某个 / 某一 / 某方面 are ordinary words; 某某 becomes a slot.
_LONE_MOU = re.compile(r"(?<!某)某(?![某些种个一方项位])")
# A row of a table plan read as text: its field labels glued into the sentence ("…加快落实协商
# 内容：针对…", "牵头单位：").  Its pieces are no plan item until the table is read as a table.
_FIELD_LABEL = re.compile(r"(?<=[\u4e00-\u9fff）)])(?:协商|调研|视察|监督)?(?:内容|形式|时间安排|牵头单位|责任单位|承办单位|参加人员|参与人员|完成时限)[：:]")
# An article about 政协 in general, not a body's plan: "政协将积极…", "政协作为一个重要的政治
# 组织，必须…" (a body's own plan says 县政协将, 我们将, or nothing).
_ESSAY = re.compile(r"(?:^|[：:。；])\s*政协(?:将|作为|要|应当?|需要|必须|是)")
# A heading word glued to the text it heads ("引言政协作为…", "总体要求教育界政协工作…"), and
# the sentence that announces a plan ("现将…制定如下"): neither is an item.
_GLUED_HEADING = re.compile(r"^(?:引言|前言|总体要求|主要工作和措施|重点工作|主要任务|工作措施)(?![是：:，,、。])")
_ANNOUNCES = re.compile(r"现将.{0,30}?(?:制定|安排|计划|要点)如下")
_ASIDE = re.compile(r"[（(][^）)]*[）)][。；]?")
_PAST = re.compile(r"了|已经|取得|先后|半年来|一年来|今年以来|共收到|顺利交办|圆满完成|较好地")
_FUTURE = re.compile(r"将|要|继续|力争|计划|拟|年内|全年|进一步|不断|积极")
_SENTENCE_END = SENTENCE_END
# Past this a "sentence" is text that lost its punctuation: no copy to align, no word to check.
_LONGEST_SENTENCE = 400


@dataclass
class Finding:
    """A signal or a particular: what kind, the words concerned, and a repair when one is certain."""

    kind: str
    text: str
    sentence: int | None = None  # index into the unit's sentences; None: the lead or the whole unit
    fix: str | None = None
    generalise: bool = True  # particulars: whether the sentence can stay once the name is replaced
    level: str | None = None  # places: the gazetteer's level

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        return cls(**{k: d.get(k) for k in ("kind", "text", "sentence", "fix", "level")}, generalise=d.get("generalise", True))


def split_sentences(text: str) -> list[str]:
    """Sentences ending at 。！？； (the mark kept); text after the last mark is a sentence too."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


# --- enumerations ----------------------------------------------------------------------------


def enumeration(text: str) -> tuple[str | None, bool]:
    """The enumeration style a text uses (一是 / 首先 / 第一 / 其一) and whether it is complete."""
    for style, pattern in (("一是", _ENUM_SHI), ("第一", _ENUM_DI), ("其一", _ENUM_QI)):
        numbers = [_CN.index(m.group(1)) + 1 for m in pattern.finditer(text)]
        if numbers:
            complete = len(numbers) >= 2 and numbers[0] == 1 and numbers == list(range(1, len(numbers) + 1))
            return style, complete
    words = [m.group(1) for m in _ENUM_SHOUXIAN.finditer(text)]
    if "首先" in words or "其次" in words:
        complete = bool(words) and words[0] == "首先" and any(w in words for w in ("其次", "再次", "最后"))
        return "首先", complete
    return None, True


def members(text: str) -> list[str]:
    """The members of the enumeration ``text`` holds (一是… / 二是…, 首先… / 其次…), each from
    its marker to the next; [] when it holds none."""
    style, _ = enumeration(text)
    if style is None:
        return []
    pattern = {"一是": _ENUM_SHI, "第一": _ENUM_DI, "其一": _ENUM_QI, "首先": _ENUM_SHOUXIAN}[style]
    starts = [m.start() for m in pattern.finditer(text)]
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


# --- local signals ---------------------------------------------------------------------------


def local_signals(lead: str | None, sentences: list[str]) -> list[Finding]:
    """Faults a unit shows by itself (no corpus needed)."""
    found: list[Finding] = []
    whole = (lead or "") + "".join(sentences)
    style, complete = enumeration(whole)
    if style and not complete:
        found.append(Finding("fragment", style))
    if sentences and sentences[-1].endswith(("；", "：", ":", "，")):
        found.append(Finding("fragment", sentences[-1][-12:], len(sentences) - 1))
    for i, s in enumerate(sentences):
        m = _INLINE_NUMBER.search(s)
        if m:
            found.append(Finding("numbering", m.group(0).strip(), i))
        if _ASIDE.fullmatch(s):
            found.append(Finding("fragment", s[:12], i))  # a bracketed note, no sentence of the plan
        m = _LONE_MARK.search(s) or _LONE_MOU.search(s)
        if m:
            found.append(Finding("placeholder_mark", s[max(0, m.start() - 4): m.end() + 4], i))
        for word, fix in doubled_characters(s):
            found.append(Finding("doubled", word, i, fix))
    past = [i for i, s in enumerate(sentences) if is_past(s)]
    if past and len(past) * 2 >= len(sentences):
        found.append(Finding("past_tense", sentences[past[0]][:20]))
    else:
        found.extend(Finding("past_tense", sentences[i][:20], i) for i in past)
    m = _FIELD_LABEL.search(whole)
    if m:
        found.append(Finding("fragment", m.group(0)))
    m = _GLUED_HEADING.match(whole) or _ANNOUNCES.search(whole)
    if m:
        found.append(Finding("fragment", m.group(0)))
    essay = next((m for m in map(_ESSAY.search, sentences) if m), None)
    if essay:
        found.append(Finding("essay", essay.group(0).strip("：:。； ")))
    if is_blurb(whole):
        found.append(Finding("blurb", whole[:30]))
    return found


def is_past(sentence: str) -> bool:
    """A sentence that reports work done (a 总结's voice) rather than planning it."""
    past = len(_PAST.findall(sentence))
    return past >= 2 and past > len(_FUTURE.findall(sentence))


# What a plan's item does: it says what will be done.  A sentence with none of these is a
# lead-in ("…因此宣传工作至关重要。") or a statement, not a task.
_ACTION = re.compile(
    r"将|(?<![需重主只必])要|继续|力争|计划|拟|年内|全年|加强|开展|组织|做好|推进|建立|健全|完善|提高|提升|围绕|坚持|深入|发挥|落实|"
    r"搞好|抓好|强化|拓宽|拓展|创新|推动|促进|参与|做到|确保|注重|引导|邀请|召开|举办|撰写|提出|反映|增强|丰富|规范"
)


def is_task(text: str) -> bool:
    """Whether ``text`` says what will be done (a plan's item), not only why it matters."""
    return bool(_ACTION.search(text))


def doubled_characters(sentence: str) -> list[tuple[str, str]]:
    """"有有" → "有": a character typed twice where the doubled form is no word (常常, 一一 are)."""
    words = _dictionary()
    out = []
    for m in re.finditer(r"([\u4e00-\u9fff])\1", sentence):
        pair = m.group(0)
        # 人人 / 层层 / 研究研究 … are words; 有有, 要要 are not.
        if _in_two_words(sentence, m.start()):
            continue  # two words meeting (政协|协商), not one typed twice
        if pair not in words and sentence[max(0, m.start() - 1): m.end()] not in words:
            out.append((pair, m.group(1)))
    return out


def _in_two_words(sentence: str, at: int) -> bool:
    """Whether the characters at ``at`` and ``at + 1`` each belong to a word of two or more
    characters as the segmenter cuts the text around them (政协|协商, not 要|有|有|一次)."""
    import jieba

    lo = max(0, at - 4)
    pos, spans = lo, []
    for tok in jieba.cut(sentence[lo: at + 6], HMM=False):
        spans.append((pos, pos + len(tok)))
        pos += len(tok)
    first = next((e - s for s, e in spans if s <= at < e), 1)
    second = next((e - s for s, e in spans if s <= at + 1 < e), 1)
    return first >= 2 and second >= 2 and not any(s <= at and at + 1 < e for s, e in spans)


def _dictionary() -> dict[str, int]:
    import jieba

    jieba.setLogLevel(60)
    if not jieba.dt.initialized:
        jieba.dt.initialize()
    return jieba.dt.FREQ


# --- particulars -----------------------------------------------------------------------------


def particulars(text: str) -> list[Finding]:
    """Another body's own things in ``text``: places (gazetteer) and the kinds in particulars.tsv."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for rule in particular_rules():
        for m in rule.pattern.finditer(text):
            found.append(Finding(rule.kind, m.group(0), generalise=rule.generalise))
            taken.append(m.span())
    for place in _places(text):
        inside = any(s <= place.start and place.end <= e for s, e in taken)
        found.append(Finding("place", place.name, generalise=not inside, level=place.level))
    return found


def _places(text: str):
    from ingest.gazetteer import load_gazetteer

    return load_gazetteer().find(text)
