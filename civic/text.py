"""The one place where user text becomes HTML: markdown, then the nh3 allow-list."""

from __future__ import annotations

import re
import unicodedata

import markdown
import nh3
from markupsafe import Markup

# The documented safe subset (README, "User text"): paragraphs, emphasis, lists, quotes, code,
# headings h2-h4 (a page has one h1: author headings are shifted down one level), tables, links.
ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

MAX_SOURCE = 100_000
# Deep nesting makes markdown parsers slow and pages unreadable: quote markers and list indentation
# beyond this depth are flattened before parsing.
MAX_DEPTH = 8
_DEEP_QUOTE = re.compile(rf"^((?:\s*>){{{MAX_DEPTH}}})(?:\s*>)+", re.MULTILINE)
_DEEP_INDENT = re.compile(rf"^( {{{4 * MAX_DEPTH}}}) +", re.MULTILINE)
# Python-Markdown's link parser scans from every "[" to the end of the text for its "]": text with
# thousands of unclosed brackets took seconds to minutes. A "[" with no "]" in the next 300 characters
# cannot start a link, so it is escaped (shown as typed) before parsing.
_UNCLOSED_BRACKET = re.compile(r"\[(?![^\]]{0,300}\])")
# Likewise a link target "](" is searched for its ")" to the end: unclosed ones are escaped.
# Even escaped, each bracket costs the parser a pass over the paragraph: text with more than this many
# (no prose has them) is shown as plain paragraphs instead.
MAX_BRACKETS = 500
_UNCLOSED_TARGET = re.compile(r"\]\((?![^)]{0,2000}\))")


def _plain(source: str) -> Markup:
    """Render text as escaped paragraphs: the linear-time fallback for pathological input."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", source) if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)


def _shift_headings(html: str) -> str:
    # h1 -> h2 ... h5/h6 -> h4: the page's own title is the only h1.
    def shift(match: re.Match[str]) -> str:
        level = min(int(match.group(2)) + 1, 4)
        return f"<{match.group(1)}h{level}"

    return re.sub(r"<(/?)h([1-6])", shift, html)


def render_markdown(source: str) -> Markup:
    """Render user markdown to sanitised HTML: the only sink for user-supplied text."""
    source = source[:MAX_SOURCE]
    source = _DEEP_QUOTE.sub(r"\1", source)
    source = _DEEP_INDENT.sub(r"\1", source)
    if source.count("[") > MAX_BRACKETS:
        return _plain(source)
    source = _UNCLOSED_BRACKET.sub(r"\\[", source)
    source = _UNCLOSED_TARGET.sub(r"]\\(", source)
    html = markdown.markdown(source, extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    html = _shift_headings(html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def sanitised(stored_html: str) -> Markup:
    """Mark HTML stored by render_markdown as safe: the template filter for *_html columns only."""
    return Markup(stored_html)  # noqa: S704 - produced by render_markdown when it was written


# Letters and symbols that draw nothing (used to post "empty" names and messages), besides the
# categories below: the Hangul fillers, the blank braille pattern, Khmer's inherent vowels.
_BLANK_GLYPHS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u17b4", "\u17b5"}
# Spaces, controls, format characters (zero-width spaces and joiners, bidi marks, soft hyphens, tags),
# and combining marks, which need a visible character to sit on.
_INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"}


def is_blank(text: str) -> bool:
    """Tell whether a text shows nothing a reader could see (only spaces and invisible characters)."""
    return all(
        char.isspace() or char in _BLANK_GLYPHS or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in text
    )


EXCERPT_LENGTH = 300
_HEADING = re.compile(r"<(/?)h[2-4]>")


def render_excerpt(source: str, length: int = EXCERPT_LENGTH) -> Markup:
    """Render the beginning of user markdown through render_markdown, for a list that quotes it.

    The source is cut before rendering (so every tag the renderer opens is closed), at a paragraph's end
    when one falls in the second half of the allowance, else at a space, and marked "…". Headings become
    bold paragraphs: quoted text must not add headings to the page that quotes it.
    """
    source = source.strip()
    if len(source) > length:
        cut = source.rfind("\n\n", 0, length)
        if cut < length // 2:
            cut = source.rfind(" ", 0, length)
        if cut < length // 2:
            cut = length
        source = source[:cut].rstrip() + " …"
    html = _HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", render_markdown(source))
    return Markup(html)  # noqa: S704 - render_markdown's sanitised output with headings renamed
