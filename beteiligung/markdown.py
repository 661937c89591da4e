"""The one function that turns user Markdown into safe HTML."""

from __future__ import annotations

import bleach
import markdown as md
from markupsafe import Markup

ALLOWED_TAGS = [
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "th": ["scope"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    clean = bleach.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True
    )
    clean = bleach.linkify(clean, callbacks=[bleach.callbacks.nofollow], skip_tags=["pre", "code"])
    return Markup(clean)
