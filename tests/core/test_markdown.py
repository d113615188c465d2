"""User Markdown renders as HTML that cannot run script."""

from html.parser import HTMLParser

import pytest

from teamhub.core.markdown import render_markdown


def test_markdown_renders_headings_lists_tables_and_links():
    html = render_markdown(
        "# Goal\n\n- churn **down**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[docs](https://example.org/x)"
    )
    assert "<h1>Goal</h1>" in html
    assert "<li>churn <strong>down</strong></li>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'href="https://example.org/x"' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '[x](JaVaScRiPt:alert(1) "t")',
        "<svg onload=alert(1)>",
    ],
)
def test_script_payloads_render_inert(payload):
    parser = ElementCollector()
    parser.feed(render_markdown(payload))
    tags = {tag for tag, _ in parser.elements}
    assert not tags & {"script", "iframe", "svg", "img", "object", "embed"}
    for _, attrs in parser.elements:
        for name, value in attrs:
            assert not name.startswith("on"), name
            assert not (value or "").strip().lower().startswith("javascript:")


class ElementCollector(HTMLParser):
    """The real elements (with attributes) of some HTML; escaped text is not one."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
