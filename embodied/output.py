"""Take-off output: CSV, XLSX and JSON, chosen by the file's extension, all from one result.

Files are written to a temporary file beside the target and moved into place only when complete,
so a failure never leaves a half-written file or destroys an earlier one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from embodied import __version__
from embodied.errors import OutputError
from embodied.records import TakeoffResult, TakeoffRow

# The output contract: these columns, in this order, come first; other tools read them by name.
CONTRACT_COLUMNS = (
    "global_id",
    "ifc_class",
    "name",
    "type_name",
    "storey",
    "material",
    "material_set",
    "layer_index",
    "quantity_source",
    "volume_m3",
    "area_m2",
    "length_m",
    "count",
    "mass_kg",
    "note",
)
_ALL_FIELDS = tuple(f.name for f in dataclasses.fields(TakeoffRow))
COLUMNS = CONTRACT_COLUMNS + tuple(f for f in _ALL_FIELDS if f not in CONTRACT_COLUMNS)
FORMATS = (".csv", ".xlsx", ".json")


def row_dict(row: TakeoffRow) -> dict[str, Any]:
    """A row as plain values (enums as their strings), in column order."""
    values = {name: getattr(row, name) for name in COLUMNS}
    for key in ("split_method", "volume_origin"):
        if values[key] is not None:
            values[key] = str(values[key])
    return values


def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"{path}: unsupported output format {suffix or '(none)'!r}", hint="use .csv, .xlsx or .json"
        )
    return suffix


def check_target(path: Path) -> None:
    """Fail before any work when the output cannot be written where asked."""
    output_format(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{path}: directory {parent} is not writable")


def document(result: TakeoffResult) -> dict[str, Any]:
    """The whole result as JSON-ready data: provenance, settings, summary, rows, checks, problems."""
    model = dataclasses.asdict(result.model)
    return {
        "tool": {"name": "embodied", "version": __version__},
        "model": model,
        "settings": dict(result.settings),
        "summary": result.summary(),
        "columns": list(COLUMNS),
        "rows": [row_dict(r) for r in result.rows],
        "volume_checks": [
            dict(
                dataclasses.asdict(c),
                difference=c.difference if math.isfinite(c.difference) else None,
                disagreement=abs(c.difference) > result.tolerance,
            )
            for c in result.checks
        ],
        "problems": [dict(dataclasses.asdict(p), kind=str(p.kind)) for p in result.problems],
        "excluded": [dataclasses.asdict(e) for e in result.excluded],
    }


def write_csv(result: TakeoffResult, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in result.rows:
        writer.writerow({k: "" if v is None else v for k, v in row_dict(row).items()})


def _write_json(result: TakeoffResult, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(document(result), fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


def _write_xlsx(result: TakeoffResult, path: Path) -> None:
    import pandas as pd  # heavy; only needed here

    doc = document(result)
    about = [("tool", f"embodied {__version__}")]
    about += [(f"model.{k}", str(v)) for k, v in doc["model"].items() if k != "units"]
    about += [(f"units.{k}", str(v)) for k, v in doc["model"]["units"].items()]
    about += [(f"settings.{k}", str(v)) for k, v in doc["settings"].items()]
    about += [(f"summary.{k}", str(v)) for k, v in doc["summary"].items()]
    sheets = {
        "takeoff": pd.DataFrame(doc["rows"], columns=list(COLUMNS)),
        "volume_checks": pd.DataFrame(doc["volume_checks"]),
        "problems": pd.DataFrame(doc["problems"]),
        "excluded": pd.DataFrame(doc["excluded"]),
        "about": pd.DataFrame(about, columns=["item", "value"]),
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            if frame.shape[1]:
                sheet.auto_filter.ref = sheet.dimensions


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
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


def _write_csv_file(result: TakeoffResult, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel then reads Chinese right
        write_csv(result, fh)


WRITERS: dict[str, Callable[[TakeoffResult, Path], None]] = {
    ".csv": _write_csv_file,
    ".json": _write_json,
    ".xlsx": _write_xlsx,
}


def write(result: TakeoffResult, path: Path | None) -> None:
    """Write to `path` by its extension, or CSV to stdout when `path` is None."""
    if path is None:
        buffer = io.StringIO()
        write_csv(result, buffer)
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return
    check_target(path)
    try:
        with _atomic(path) as tmp:
            WRITERS[output_format(path)](result, tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})") from exc
