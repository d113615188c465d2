"""Side-by-side differences between two versions of a document."""

import difflib
from dataclasses import dataclass
from typing import Any

from teamhub.requirements.models import DocVersion
from teamhub.requirements.template import FIELDS


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class BodyRow:
    """One row of the side-by-side body: ``kind`` is equal, changed, added or
    removed; a missing side is None."""

    kind: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class VersionDiff:
    old: DocVersion
    new: DocVersion
    fields: list[FieldChange]
    body: list[BodyRow]

    @property
    def changed(self) -> bool:
        return bool(self.fields) or any(row.kind != "equal" for row in self.body)


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(field.key, field.label, old.get(field.key), new.get(field.key))
        for field in FIELDS
        if old.get(field.key) != new.get(field.key)
    ]


def body_rows(old: str, new: str) -> list[BodyRow]:
    """Return the two bodies aligned line by line."""
    before, after = old.splitlines(), new.splitlines()
    rows: list[BodyRow] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [BodyRow("equal", line, line) for line in before[i1:i2]]
        elif tag == "delete":
            rows += [BodyRow("removed", line, None) for line in before[i1:i2]]
        elif tag == "insert":
            rows += [BodyRow("added", None, line) for line in after[j1:j2]]
        else:
            olds, news = before[i1:i2], after[j1:j2]
            for index in range(max(len(olds), len(news))):
                old_line = olds[index] if index < len(olds) else None
                new_line = news[index] if index < len(news) else None
                kind = (
                    "changed"
                    if old_line is not None and new_line is not None
                    else ("removed" if new_line is None else "added")
                )
                rows.append(BodyRow(kind, old_line, new_line))
    return rows


def version_diff(old: DocVersion, new: DocVersion) -> VersionDiff:
    """Return what changed from ``old`` to ``new`` (any two versions, either way)."""
    return VersionDiff(
        old=old,
        new=new,
        fields=field_changes(old.fields, new.fields),
        body=body_rows(old.body_markdown, new.body_markdown),
    )
