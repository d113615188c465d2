"""Atlassian Document Format (Jira Cloud's rich text) turned into plain text."""

import datetime as dt
from typing import Any

# Nodes that sit inside a line of text; everything else is a block.
INLINE_TYPES = {
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "date",
    "status",
    "placeholder",
    "mediaInline",
    "inlineExtension",
}


def adf_to_text(document: Any) -> str:
    """Return the text of an ADF document: blocks separated by blank lines,
    list items on their own lines, link targets after their text. Data Center
    sends plain (wiki markup) strings: those come back unchanged."""
    if document is None:
        return ""
    if isinstance(document, str):
        return document
    if not isinstance(document, dict):
        return ""
    return _render(document).strip()


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _content(node: dict[str, Any]) -> list[dict[str, Any]]:
    content = node.get("content")
    if not isinstance(content, list):
        return []
    return [child for child in content if isinstance(child, dict)]


def _children(node: dict[str, Any], *, separator: str = "\n\n") -> str:
    """Join a node's children: inline runs glued together, blocks separated."""
    parts: list[str] = []
    line = ""
    for child in _content(node):
        if child.get("type") in INLINE_TYPES:
            line += _render(child)
            continue
        if line:
            parts.append(line)
            line = ""
        text = _render(child)
        if text:
            parts.append(text)
    if line:
        parts.append(line)
    return separator.join(parts)


def _text(node: dict[str, Any]) -> str:
    text = str(node.get("text", ""))
    for mark in node.get("marks") or []:
        if isinstance(mark, dict) and mark.get("type") == "link":
            href = str(_attrs(mark).get("href", ""))
            if href and href != text:
                return f"{text} ({href})"
    return text


def _list_item(node: dict[str, Any], marker: str) -> str:
    body = _children(node, separator="\n")
    indent = " " * len(marker)
    lines = body.split("\n") if body else [""]
    return "\n".join(
        [marker + lines[0]] + [indent + line if line else line for line in lines[1:]]
    )


def _date(node: dict[str, Any]) -> str:
    try:
        millis = int(_attrs(node).get("timestamp", ""))
    except (TypeError, ValueError):
        return ""
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC).date().isoformat()


def _render(node: dict[str, Any]) -> str:
    kind = node.get("type")
    attrs = _attrs(node)
    if kind == "text":
        return _text(node)
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        text = str(attrs.get("text") or attrs.get("id") or "")
        return text if text.startswith("@") else f"@{text}"
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str(attrs.get("url") or "")
    if kind == "date":
        return _date(node)
    if kind == "status":
        return str(attrs.get("text") or "")
    if kind == "rule":
        return "---"
    if kind == "bulletList":
        return "\n".join(_list_item(item, "- ") for item in _content(node))
    if kind == "orderedList":
        order = attrs.get("order")
        start = order if isinstance(order, int) else 1
        return "\n".join(
            _list_item(item, f"{start + number}. ")
            for number, item in enumerate(_content(node))
        )
    if kind == "taskList":
        return "\n".join(
            _list_item(item, "[x] " if _attrs(item).get("state") == "DONE" else "[ ] ")
            for item in _content(node)
        )
    if kind == "blockquote":
        return "\n".join(f"> {line}" for line in _children(node).split("\n"))
    if kind == "expand":
        title = str(attrs.get("title") or "")
        body = _children(node)
        return f"{title}\n{body}" if title else body
    if kind == "tableRow":
        return " | ".join(_children(cell, separator=" ") for cell in _content(node))
    if kind == "table":
        return "\n".join(_render(row) for row in _content(node))
    if "text" in node:
        return str(node["text"])
    # paragraph, heading, codeBlock, panel, listItem, doc and unknown nodes:
    # their children's text.
    return _children(node)
