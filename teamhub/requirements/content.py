"""The canonical content of a document version and its SHA-256."""

import hashlib
import json
from typing import Any


def canonical_content(*, body_markdown: str, fields: dict[str, Any]) -> bytes:
    """Return the version's content as canonical JSON: sorted keys, no spaces,
    UTF-8, line endings normalised — equal content gives equal bytes."""
    body = body_markdown.replace("\r\n", "\n").replace("\r", "\n")
    document = {"body_markdown": body, "fields": fields}
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def content_sha256(*, body_markdown: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(
        canonical_content(body_markdown=body_markdown, fields=fields)
    ).hexdigest()
