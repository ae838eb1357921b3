"""The search page for editors: the corpus through the same hybrid search drafting uses
(``vectorstore.search``), each hit with its document's title and the matched words marked.

Corpus text is untrusted: every piece of it is escaped here before the marks go around it.
"""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from service.auth import role_required
from service.resources import get_drafter
from service.schemas import CorpusSearch, ValidationFailed, parse
from vectorstore.search import SearchFilters

bp = Blueprint("search", __name__)

RESULTS = 20
# Words of a query: runs between spaces and punctuation (a Chinese query is often one run).
_WORD_BREAKS = re.compile(r"[\s,，、；;。.:：!！?？\"“”'‘’()（）\[\]【】]+")


@bp.get("/search")
@role_required("editor")
def search():
    args = {k: request.args.get(k, "") for k in CorpusSearch.model_fields}
    error = error_field = None
    results = []
    try:
        query = parse(CorpusSearch, args)
    except ValidationFailed as exc:
        query, error, error_field = None, exc.form_message, exc.field
    if query is not None and query.q:
        filters = SearchFilters(
            level=query.level, year_from=query.year, year_to=query.year, section_role=query.section_role,
            fallback=False,  # a person who picks a level (or year, or part) means it
        )
        found = get_drafter().searcher.search(query.q, k=RESULTS, filters=filters)
        results = [{"hit": r, "marked": mark_words(r.text, query.q)} for r in found]
    status = 400 if error else 200
    return render_template("search.html", args=args, results=results, error=error, error_field=error_field,
                           searched=bool(query and query.q)), status


def mark_words(text: str, query: str) -> Markup:
    """``text`` escaped, with each place a word of ``query`` occurs in ``<mark>``; a word that
    does not occur whole is marked by its two-character pieces (Chinese words match in parts)."""
    spans: list[tuple[int, int]] = []
    for word in {w for w in _WORD_BREAKS.split(query) if w}:
        pieces = [word] if word in text or len(word) <= 2 else [word[i:i + 2] for i in range(len(word) - 1)]
        for piece in pieces:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(piece), text)]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = Markup(""), 0
    for start, end in merged:
        out += escape(text[at:start]) + Markup("<mark>") + escape(text[start:end]) + Markup("</mark>")
        at = end
    return out + escape(text[at:])
