"""LLM polishing of an extractive section, through LangChain, with its output checked.

One client for every backend: an OpenAI-compatible chat endpoint (ChatOpenAI), so the local
llama.cpp server, vLLM, Ollama or a hosted model work the same way.  The small local model
invents numbers when unconstrained, so it only rewrites the section's own extractive text
under explicit rules, and whatever it writes must pass ``check`` — or the extractive text
stands, with a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import prompts
from drafting.adapt import SLOT_RE, Adapter
from drafting.compose import MIN_SIMILARITY, closest
from drafting.model import DraftRequest, DraftWarning, SectionDraft, Sentence, SentenceSource
from ingest.structure import find_foreign_names
from ingest.textkit import PAREN_NUMBER, SENTENCE_OR_LINE_END, STOPS
from vectorstore.lexical import char_bigrams, jaccard

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MARKDOWN = re.compile(r"(^|\n)\s*(#{1,6}\s|[-*]\s|\d+\.\s)|\*\*|```")
_ITEM = re.compile(PAREN_NUMBER)
# Share of a sentence's character pairs found in the nearest extractive sentence, below which
# a sentence of the LLM's counts as its own invention.  A share, not Jaccard: a short
# rewrite of a long source sentence is still grounded in it.
_GROUNDED = 0.5
# Qwen2.5's tokenizer spends about 0.65 tokens on a Chinese character of 公文 (measured on
# the local model's replies); a little more leaves room for the item numbers.
_TOKENS_PER_CHAR = 0.75
# Two sentences this alike (Jaccard of character pairs) say the same thing.
_REPEATED = 0.8
# The model rewrites whole items (a shorter draft is no better draft): an item may be as long
# as a composed one.  A constant, so the system message stays the same for every section and
# the server keeps it cached.
_MAX_CHARS_PER_ITEM = 300


def _support(piece: str, source: str) -> float:
    mine, theirs = char_bigrams(piece), char_bigrams(source)
    return len(mine & theirs) / len(mine) if mine else 1.0


@dataclass
class LLMSettings:
    base_url: str
    model: str
    timeout: float = 30.0
    max_tokens: int = 600
    api_key: str = "not-needed"


class LLMPolisher:
    """Rewrites a section with the LLM; the client is created on first use."""

    def __init__(self, settings: LLMSettings, client=None):
        self.settings = settings
        self._client = client

    @property
    def client(self):
        if self._client is None:
            from langchain_openai import ChatOpenAI

            self._client = ChatOpenAI(
                base_url=self.settings.base_url,
                api_key=self.settings.api_key,
                model=self.settings.model,
                temperature=0.2,
                # Without it the small model pads a short brief by repeating a clause or an
                # item; measured on six sections: 5 of 6 passed the checks against 3 of 6.
                frequency_penalty=0.3,
                max_tokens=self.settings.max_tokens,
                timeout=self.settings.timeout,
                max_retries=0,  # a dead endpoint must fall back quickly, not retry
            )
        return self._client

    def prompt(self, section: SectionDraft, request: DraftRequest) -> list[tuple[str, str]]:
        """The chat messages: fixed rules (cached by the server across requests), then the request."""
        # No list of this level's words: the material is already in them (the composer adapted
        # it), and the small model copied such a list into its text.
        items = max(1, len(_ITEM.findall(section.text)))
        return prompts.messages(
            "section_rewrite",
            org_name=request.org_name,
            year=request.year,
            section_title=section.title,
            item_count=items,
            max_chars_per_item=_MAX_CHARS_PER_ITEM,
            sources=prompts.delimit(section.text),
        )

    def polish(self, section: SectionDraft, request: DraftRequest) -> SectionDraft:
        """The LLM's rewrite if it passes every check, else the extractive section with a warning."""
        if not section.sentences or section.sentences[0].kind == "new" or not _ITEM.search(section.text):
            return section  # nothing to rewrite, or the unnumbered preamble (kept as composed)
        # A rewrite is no longer than its material: capping the reply there bounds the
        # decoding time, which is most of a section's time on a CPU.
        budget = min(self.settings.max_tokens, int(len(section.text) * _TOKENS_PER_CHAR) + 16)
        try:
            reply = self.client.invoke(self.prompt(section, request), max_tokens=budget)
            text = reply.content if hasattr(reply, "content") else str(reply)
        except Exception as exc:  # timeouts, refused connections, server errors
            return _fallback(section, f"大模型未能按时返回（{type(exc).__name__}），本部分使用摘编文本")
        if (getattr(reply, "response_metadata", None) or {}).get("finish_reason") == "length":
            text = _whole_sentences(text)
        text = _tidy(text)
        problems = check(text, section, request)
        if problems:
            return _fallback(section, "大模型改写未通过检查（" + "；".join(problems[:3]) + "），本部分使用摘编文本")
        return _as_section(text, section)


def check(text: str, section: SectionDraft, request: DraftRequest) -> list[str]:
    """Why an LLM rewrite may not be used (empty when it may)."""
    problems: list[str] = []
    source_text = section.text + "\n" + "\n".join(s.text for s in section.sources)
    source_numbers = set(_NUMBER.findall(source_text)) | {str(request.year)}
    invented = [n for n in _NUMBER.findall(text) if n not in source_numbers]
    if invented:
        problems.append("出现来源中没有的数字" + "、".join(invented[:3]))
    problems += Adapter(request).problems(text)
    own = set(find_foreign_names(request.org_name + (request.parent_body or "")))
    allowed = set(find_foreign_names(section.text)) | own
    foreign = [n for n in find_foreign_names(text) if n not in allowed]
    if foreign:
        problems.append("出现其他单位或地方的名称" + "、".join(foreign[:3]))
    if _MARKDOWN.search(text):
        problems.append("含有Markdown符号")
    # The reader's rules (drafting.review) apply to the model's items as to the composer's.
    from drafting.review import Reviewer

    reviewer = Reviewer(request)
    for item in (line for line in text.split("\n") if line.strip()):
        faults = reviewer.review(section.role, item.strip()).faults
        faults.pop("wrong_section", None)  # the material chose the section; the model only rewords it
        if faults:
            problems.append("改写有误（" + "、".join(f"{k}：{v}" for k, v in list(faults.items())[:2]) + "）")
            break
    n, base = len(text), len(section.text)
    # Never a shorter draft: the rewrite keeps most of its material's length.
    if n < base * 0.7 or n > base * 1.5 + 80:
        problems.append(f"长度{n}字超出范围")
    if not _ITEM.search(text):
        problems.append("没有按条目编号")
    # Every sentence must rest on the section's own material: a small model otherwise
    # writes plausible 公文 of its own (or copies its instructions).
    extractive = [s.text for s in section.sentences]
    pieces = [p for p in (_ITEM.sub("", p).strip() for p in SENTENCE_OR_LINE_END.split(text)) if len(p) >= 8]
    for piece in pieces:
        if max((_support(piece, e) for e in extractive), default=0.0) < _GROUNDED:
            problems.append(f"“{piece[:12]}…”在来源中找不到依据")
            break
    # It also pads a short brief by saying the same thing twice, even within one sentence.
    clauses = [c for c in re.split(r"[，,、：:。！？；\n]", _ITEM.sub("", text)) if len(c.strip()) >= 8]
    grams = [char_bigrams(c) for c in clauses]
    if any(jaccard(a, b) >= _REPEATED for i, a in enumerate(grams) for b in grams[i + 1:]):
        problems.append("同一内容重复出现")
    return problems


def _whole_sentences(text: str) -> str:
    """A reply cut off by the token budget, back to its last finished sentence."""
    end = max(text.rfind(mark) for mark in STOPS)
    return text[: end + 1] if end >= 0 else ""


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    return "\n".join(lines)


def _fallback(section: SectionDraft, message: str) -> SectionDraft:
    section.warnings.append(DraftWarning("llm_fallback", message, section.role, None, ""))
    section.mode = "extractive"
    return section


def _as_section(text: str, extractive: SectionDraft) -> SectionDraft:
    """The LLM's text, each sentence tied to the closest extractive sentence it rewrote."""
    sentences: list[Sentence] = []
    for piece in SENTENCE_OR_LINE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        index, best_sim = closest(piece, [s.text for s in extractive.sentences])
        best = extractive.sentences[index] if index is not None else None
        if best is not None and best_sim >= MIN_SIMILARITY:
            kind = "verbatim" if piece == best.text else "adapted"
            sources = [SentenceSource(src.chunk_id, src.doc_id, round(best_sim, 3)) for src in best.sources]
            sentences.append(Sentence(piece, kind, sources, best.source_text))
        else:
            sentences.append(Sentence(piece, "new", [], ""))
    keep = [w for w in extractive.warnings if w.kind != "number" or w.text in text]
    # Sentence indices of the extractive warnings no longer apply; keep them per section.
    for w in keep:
        w.sentence = None
    for slot in SLOT_RE.findall(text):
        if not any(w.kind == "slot" and w.text == slot for w in keep):
            keep.append(DraftWarning("slot", f"待填内容：{slot}", extractive.role, None, slot))
    return SectionDraft(extractive.role, extractive.title, text, sentences, extractive.sources, keep, mode="llm")
