"""User Markdown to safe HTML: markdown-it-py without raw HTML, then nh3."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# "js-default" is CommonMark with raw HTML switched off (it is shown as text).
_MARKDOWN = MarkdownIt("js-default").enable("table")
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Return ``text`` rendered as HTML that cannot run script: no raw HTML, no
    event-handler attributes, links only to http(s) and mailto."""
    html = _MARKDOWN.render(text)
    clean = nh3.clean(html, url_schemes=_URL_SCHEMES, link_rel="noopener noreferrer")
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
