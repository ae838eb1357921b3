"""Scraped pages (.html, .htm): the article's blocks as lines, site furniture pruned."""
from __future__ import annotations

import re

from ingest.errors import IngestError
from ingest.loaders.common import HAN
from ingest.loaders.text_loader import check_not_binary, decode_text

# Tags that never hold the article body of a scraped page.
HTML_DROP_TAGS = frozenset({
    "head", "script", "style", "noscript", "template", "iframe", "frame", "frameset",
    "object", "embed", "applet", "canvas", "svg", "math", "button", "select", "input",
    "textarea", "link", "meta",
})
# Tags that are site furniture by their nature (<header> only outside an <article>).
HTML_FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "header"})
# class / id tokens that mark site furniture (导航, 面包屑, 侧栏, 评论, 分享, 相关推荐, 广告 …).
HTML_FURNITURE_TOKENS = frozenset({
    "nav", "navbar", "navigation", "menu", "submenu", "topmenu", "footer", "foot", "breadcrumb",
    "breadcrumbs", "crumb", "crumbs", "position", "location", "sidebar", "side", "aside",
    "comment", "comments", "reply", "share", "sharing", "social", "related", "relate",
    "recommend", "recommends", "recommended", "tuijian", "xiangguan", "ad", "ads", "advert",
    "advertisement", "adsense", "banner", "sponsor", "copyright", "pager", "pagination",
    "login", "toolbar", "topbar", "hot", "rank", "ranking", "links", "friendlink", "tags",
    "search", "download", "gotop", "backtop", "popup", "modal", "cookie", "logo",
})
HTML_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd",
    "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "center", "address", "figure", "figcaption", "h5", "h6", "hr", "header",
})
HTML_HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
# Inside a <tr>, these mean a layout table rather than a row of data.
_HTML_ROW_BREAKERS = sorted((HTML_BLOCK_TAGS - {"td", "th"}) | {"br"})
# Containers the main-content search may descend into.
HTML_CONTAINER_TAGS = frozenset({
    "body", "div", "section", "article", "main", "table", "tbody", "tr", "td", "center",
})
# Descend into a child block when it holds this share of its parent's (non-link) Chinese text.
HTML_DESCEND_SHARE = 0.8
_CJK_CHAR = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
# A source line break between two CJK characters is HTML formatting, not a space in the text.
_CJK_WRAP = re.compile(rf"(?<={_CJK_CHAR})[ \t\r\f]*\n[ \t\r\n\f]*(?={_CJK_CHAR})")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_MULTI_SPACE = re.compile(r" {2,}")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def load(raw: bytes, source: str) -> str:
    """The article of a scraped page, one line per block, h1–h4 as Markdown headings."""
    from bs4 import BeautifulSoup, Comment, Tag

    try:
        soup = BeautifulSoup(_decode_html(raw, source), "lxml")
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
        _prune(soup, Tag, lambda tag, in_article: tag.name in HTML_DROP_TAGS)

        body = soup.body or soup
        han = _non_link_han_counts(body, Tag)
        holds_article = _ancestors_of(body.find_all(["article", "main"]), body)

        def is_furniture(tag, in_article: bool) -> bool:
            if tag is body or id(tag) in holds_article:
                return False
            if tag.name in HTML_FURNITURE_TAGS:
                # <header> inside an <article> is the article's own title block.
                return not (tag.name == "header" and in_article)
            # A <form> or furniture-sounding class around most of the page's text is a page
            # wrapper: ASP.NET sites (common among government sites) put all of <body> in
            # one <form>; <div class="main has-sidebar"> happens too. Keep those.
            if han.get(id(tag), 0) * 2 > han[id(body)]:
                return False
            return tag.name == "form" or _looks_like_furniture(tag, in_article)

        _prune(body, Tag, is_furniture)
        main = _main_block(body, Tag)
        lines = _html_block_lines(main, Tag)
        if main.find("h1") is None:
            # The title often sits just outside the content block; keep it as the first heading.
            title = body.find("h1")
            if title is not None and (title_text := _collapse(title.get_text(" "))):
                lines.insert(0, f"# {title_text}")
    except RecursionError:
        raise IngestError(source, "page is nested too deeply to read") from None
    return "\n".join(lines)


def _prune(root, tag_type, should_drop) -> None:
    """Decompose every tag for which ``should_drop(tag, in_article)`` holds, top down.

    Iterative, and never visits what was already removed, so it stays linear in the page.
    """
    stack = [(root, False)]
    while stack:
        tag, in_article = stack.pop()
        if tag is not root and should_drop(tag, in_article):
            tag.decompose()
            continue
        in_article = in_article or tag.name == "article"
        stack.extend(
            (child, in_article) for child in tag.children if isinstance(child, tag_type)
        )


def _ancestors_of(tags, root) -> set[int]:
    """Ids of ``tags`` and of every element above them, up to ``root``."""
    seen: set[int] = set()
    for tag in tags:
        while tag is not None and id(tag) not in seen:
            seen.add(id(tag))
            if tag is root:
                break
            tag = tag.parent
    return seen


def _decode_html(raw: bytes, source: str) -> str:
    """Use the page's declared charset when it decodes cleanly, else guess like a .txt."""
    if not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET.search(raw[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "replace").lower()
            # Pages labelled gb2312/gbk routinely contain characters outside it.
            if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
                name = "gb18030"
            elif name in ("big5", "big5-hkscs"):
                name = "cp950"
            try:
                return check_not_binary(raw.decode(name), source)
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_text(raw, source)


def _looks_like_furniture(tag, in_article: bool) -> bool:
    """Whether the tag's class or id names site furniture (nav, sidebar, share, ad …)."""
    if tag.name in ("html", "body", "article", "main"):
        return False
    values = []
    for attr in ("class", "id"):
        value = tag.get(attr)
        if isinstance(value, list):
            values.extend(value)
        elif value:
            values.append(value)
    for value in values:
        # Split "articleRelated", "side-bar_left" into tokens so "ad" never matches "head".
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", value)
        tokens = set(re.split(r"[^a-z0-9]+", spaced.lower()))
        if tokens & HTML_FURNITURE_TOKENS:
            return True
        if "header" in tokens and not in_article:
            return True
    return False


def _non_link_han_counts(root, tag_type) -> dict[int, int]:
    """Chinese characters outside links under every tag (by id): body text, not link lists.

    One pass over the tree, so deeply nested pages cost linear time, not depth × size.
    """
    from bs4 import NavigableString

    order = []
    counts: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        tag, in_link = stack.pop()
        in_link = in_link or tag.name == "a"
        order.append(tag)
        own = 0
        for child in tag.children:
            if isinstance(child, tag_type):
                stack.append((child, in_link))
            elif not in_link and type(child) is NavigableString:
                own += len(HAN.findall(child))
        counts[id(tag)] = own
    # Pre-order reversed visits every child before its parent.
    for tag in reversed(order):
        if tag is not root:
            counts[id(tag.parent)] += counts[id(tag)]
    return counts


def _main_block(body, tag_type):
    """The <article> when there is one, else the smallest block holding most of the text."""
    han = _non_link_han_counts(body, tag_type)
    total = han[id(body)]
    articles = body.find_all(["article", "main"]) + body.find_all(attrs={"role": "main"})
    if articles:
        best = max(articles, key=lambda tag: han[id(tag)])
        if han[id(best)] * 2 >= total:
            return best
    node = body
    while True:
        children = [
            c for c in node.children if isinstance(c, tag_type) and c.name in HTML_CONTAINER_TAGS
        ]
        if han[id(node)] == 0 or not children:
            return node
        best = max(children, key=lambda tag: han[id(tag)])
        if han[id(best)] < han[id(node)] * HTML_DESCEND_SHARE:
            return node
        node = best


def _html_block_lines(root, tag_type) -> list[str]:
    """Flatten ``root`` into lines: blocks break lines, inline elements run together."""
    from bs4 import NavigableString

    line_break = object()  # marks the end of a block on the work stack
    pieces: list[str] = []
    # An explicit stack rather than recursion: scraped pages can nest thousands deep.
    stack: list = list(reversed(list(root.children)))
    while stack:
        node = stack.pop()
        if node is line_break:
            pieces.append("\n")
        elif isinstance(node, tag_type):
            name = node.name
            if name == "br":
                pieces.append("\n")
            elif name in HTML_HEADING_LEVELS:
                text = _collapse(node.get_text(" "))
                if text:
                    pieces.append(f"\n{'#' * HTML_HEADING_LEVELS[name]} {text}\n")
            elif name == "tr" and not node.find(_HTML_ROW_BREAKERS):
                # A data row reads as one line; layout tables (rows holding blocks) are
                # walked like any other block instead.
                cells = [_collapse(c.get_text(" ")) for c in node.find_all(["td", "th"])]
                pieces.append("\n" + " | ".join(c for c in cells if c) + "\n")
            elif name in HTML_BLOCK_TAGS:
                pieces.append("\n")
                stack.append(line_break)
                stack.extend(reversed(list(node.children)))
            else:
                stack.extend(reversed(list(node.children)))
        elif type(node) is NavigableString:  # not Comment, Doctype, CData …
            pieces.append(_HTML_SPACE.sub(" ", _CJK_WRAP.sub("", str(node))))

    lines = "".join(pieces).split("\n")
    return [_MULTI_SPACE.sub(" ", line).strip() for line in lines if line.strip()]


def _collapse(text: str) -> str:
    return _HTML_SPACE.sub(" ", _CJK_WRAP.sub("", text)).strip()
