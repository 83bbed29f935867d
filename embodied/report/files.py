"""Result files: CSV, XLSX and JSON chosen by the file's extension, all from one ``Document``, and the
atomic writes every output uses.

A command builds one ``Document`` (``report.tables``: the main table, further sheets, the whole
JSON); the writers only render it. Files are written to a temporary file beside the target and moved
into place only when complete, so a failure never leaves a half-written file or destroys an earlier
one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from embodied.errors import OutputError

# the control characters openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE), here so that a run
# without a workbook does not import openpyxl
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

FORMATS = (".csv", ".xlsx", ".json")


@dataclass(frozen=True, slots=True)
class Document:
    """A result ready for every format: the main table (the CSV, the first sheet), further sheets,
    an `about` list of (item, value) provenance pairs, and the whole result as JSON data."""

    table_name: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]
    data: Mapping[str, Any]
    sheets: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    about: Sequence[tuple[str, str]] = ()


def plain(value: Any) -> Any:
    """Enums as their strings, tuples as lists, non-finite floats as None, floats to 12 significant
    digits (binary noise such as 94740.48000000001 removed, far below any quantity's precision)."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def record_dict(record: Any, columns: Sequence[str] | None = None) -> dict[str, Any]:
    names = columns or [f.name for f in dataclasses.fields(record)]
    return {name: plain(getattr(record, name)) for name in names}


# -- writing ----------------------------------------------------------------------------------------
def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"{path}: unsupported output format {suffix or '(none)'!r}", hint="use .csv, .xlsx or .json"
        )
    return suffix


def check_target(path: Path, formats: Sequence[str] = FORMATS) -> None:
    """Fail before any work when the output cannot be written where asked."""
    if output_format(path) not in formats:
        raise OutputError(f"{path}: this output must be one of {', '.join(formats)}")
    check_writable(path)


def check_writable(path: Path) -> None:
    """Fail before any work when a file cannot be written at `path` (a folder, a missing or read-only
    parent)."""
    if path.is_dir():
        raise OutputError(f"{path}: is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{path}: directory {parent} is not writable")


def write_csv(doc: Document, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=list(doc.columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in doc.rows:
        writer.writerow({k: _cell(row.get(k)) for k in doc.columns})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return plain(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def write_json(doc: Mapping[str, Any], fh: IO[str]) -> None:
    """The document as text: one top-level key a line, and a list of records one record a line
    (readable and diffable), each value written by the C encoder as it goes (`json.dump` with `indent`
    encodes in Python, far slower on a long element list, and holds the whole text)."""
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ": ")).encode
    fh.write("{")
    for i, (key, value) in enumerate(doc.items()):
        fh.write(f"{',' if i else ''}\n {encode(key)}: ")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            fh.write("[")
            for j, item in enumerate(value):
                fh.write(f"{',' if j else ''}\n  {encode(item)}")
            fh.write("\n ]")
        else:
            fh.write(encode(value))
    fh.write("\n}\n")


def dumps(doc: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    write_json(doc, buffer)
    return buffer.getvalue()


def _write_json(doc: Document, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        write_json(doc.data, fh)


def _sheet_text(value: Any) -> Any:
    """Model names are untrusted: control characters (which openpyxl refuses) are dropped, and text
    that a spreadsheet would take for a formula stays text (see `_keep_text`)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _keep_text(sheet: Any) -> None:
    """openpyxl stores any string starting with '=' as a formula: store those as plain strings."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _write_xlsx(doc: Document, path: Path) -> None:
    import pandas as pd  # heavy; only needed here

    def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> Any:
        return pd.DataFrame([{k: _sheet_text(_cell(v)) for k, v in r.items()} for r in rows], columns=columns)

    sheets = {doc.table_name: frame(doc.rows, list(doc.columns))}
    sheets.update({name: frame(rows) for name, rows in doc.sheets.items()})
    sheets["about"] = pd.DataFrame(list(doc.about), columns=["item", "value"])
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            _keep_text(sheet)
            sheet.freeze_panes = "A2"
            if table.shape[1]:
                sheet.auto_filter.ref = sheet.dimensions


def _write_csv_file(doc: Document, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel then reads Chinese right
        write_csv(doc, fh)


WRITERS: dict[str, Callable[[Document, Path], None]] = {
    ".csv": _write_csv_file,
    ".json": _write_json,
    ".xlsx": _write_xlsx,
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, moved onto it only when the block completes."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_many(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside each of `paths`, all moved into place only when the block completes;
    on any failure none is moved and every temporary file is removed."""
    temporaries: list[Path] = []
    try:
        for path in paths:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
            os.close(fd)
            temporaries.append(Path(name))
        yield temporaries
        mode = 0o666 & ~_umask()
        for tmp, path in zip(temporaries, paths, strict=True):
            os.chmod(tmp, mode)
            os.replace(tmp, path)
    finally:
        for tmp in temporaries:
            if tmp.exists():
                tmp.unlink()


def write(doc: Document, path: Path | None) -> None:
    """Write to `path` by its extension, or CSV to stdout when `path` is None."""
    if path is None:
        buffer = io.StringIO()
        write_csv(doc, buffer)
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return
    check_target(path)
    try:
        with atomic(path) as tmp:
            WRITERS[output_format(path)](doc, tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})") from exc
