"""Read an uploaded CSV or XLSX file into rows of text, refusing anything else."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from teamhub.people.importing.cells import cell_text

# A guard against zip bombs and accidents: no registry has this many rows.
MAX_ROWS = 100_000
FORMATS = ("csv", "xlsx")
CSV_DELIMITERS = ",;\t|"
# Magic numbers of files that are certainly not CSV text.
_BINARY_MAGIC = (
    b"PK\x03\x04",  # zip (an .xlsx named .csv, among others)
    b"\xd0\xcf\x11\xe0",  # OLE2: legacy .xls / .doc
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
)


@dataclass
class Table:
    """The rows of the first sheet: a header row and numbered data rows."""

    format: str
    header_row: int = 1
    header: list[str] = field(default_factory=list)
    # (spreadsheet row number, cell texts) for every row below the header.
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


def upload_check_size(*, size: int) -> None:
    """Refuse an upload above ``settings.TEAMHUB_MAX_UPLOAD_BYTES`` or empty."""
    limit = settings.TEAMHUB_MAX_UPLOAD_BYTES
    if size > limit:
        raise _refuse(f"The file is {_size(size)}; the limit is {_size(limit)}.")
    if size == 0:
        raise _refuse("The file is empty.")


def file_format(file_name: str) -> str:
    """Return "csv" or "xlsx" from the file name, or refuse the file."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix in (".csv", ".xlsx"):
        return suffix[1:]
    if suffix in (".xls", ".xlsm", ".ods", ".numbers"):
        raise _refuse(
            f"'{suffix}' files cannot be imported; save the sheet as .xlsx or .csv."
        )
    shown = f"'{suffix}'" if suffix else "a file without an extension"
    raise _refuse(f"Only .csv and .xlsx files can be imported, not {shown}.")


def _decode(content: bytes) -> str:
    # utf-8-sig also reads plain UTF-8; cp1252 is what Excel on Windows writes;
    # latin-1 decodes any byte, so the last attempt never fails.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _delimiter(text: str) -> str:
    """Sniff the delimiter from the first lines, trusting the header row most."""
    sample = "\n".join(text.splitlines()[:20])
    first_line = sample.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in CSV_DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(content: bytes) -> list[list[str]]:
    head = content[:8192]
    if b"\x00" in head or content.startswith(_BINARY_MAGIC):
        raise _refuse(
            "The file is not CSV text. Upload a .csv file or an .xlsx workbook."
        )
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append([cell_text(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                raise _refuse(f"The file has more than {MAX_ROWS:,} rows.")
    except csv.Error as exc:
        raise _refuse(
            f"Row {reader.line_num} could not be read as CSV: {exc}."
        ) from exc
    return rows


def _read_xlsx(content: bytes) -> list[list[str]]:
    invalid = "The file is not a valid .xlsx workbook."
    if not content.startswith(b"PK\x03\x04"):
        raise _refuse(invalid)
    try:
        # data_only=False: a formula cell reads as its "=…" text and is refused,
        # instead of silently importing a cached value.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise _refuse(invalid) from None
    rows: list[list[str]] = []
    try:
        if not workbook.worksheets:
            raise _refuse("The workbook has no sheets.")
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            rows.append([cell_text(value) for value in values])
            if len(rows) > MAX_ROWS + 1:
                raise _refuse(f"The file has more than {MAX_ROWS:,} rows.")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse(invalid) from exc
    finally:
        workbook.close()
    return rows


def read_table(*, file_name: str, content: bytes) -> Table:
    """Return the first sheet of ``content`` as a :class:`Table`.

    Raises ``ValidationError({"file": [...]})`` for a file that is not CSV or
    XLSX, is empty or too large, or has no header row.
    """
    fmt = file_format(file_name)
    upload_check_size(size=len(content))
    if not content.strip():
        raise _refuse("The file is empty.")
    raw = _read_csv(content) if fmt == "csv" else _read_xlsx(content)
    numbered = [(number, cells) for number, cells in enumerate(raw, start=1)]
    while numbered and not any(numbered[0][1]):
        numbered.pop(0)  # blank lines above the header
    if not numbered:
        raise _refuse("The file is empty.")
    header_row, header = numbered[0]
    rows = [(number, cells) for number, cells in numbered[1:] if any(cells)]
    if not rows:
        raise _refuse("The file has a header row but no data rows below it.")
    return Table(format=fmt, header_row=header_row, header=header, rows=rows)
