"""Cached values for the formula cells of a saved workbook.

openpyxl writes a formula cell as ``<c r="B5"><f>SUM(B2:B4)</f><v /></c>``: no value, so a viewer that
does not recalculate (a preview, a phone, a converter, a reader with ``data_only=True``) shows a blank.
The renderer knows each formula's value (the model's number), kept by ``Sheet.live`` as cell → value;
this rewrites the sheets that have formulas so each of those cells carries it:
``<c r="B5"><f>SUM(B2:B4)</f><v>3.5</v></c>``. The workbook keeps ``fullCalcOnLoad``: Excel, WPS and
LibreOffice still recalculate on opening. The other members are copied as they are, in order.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
FORMULA_CELL = re.compile(rb'(<c r="([A-Z]+[0-9]+)"[^>]*>)(<f>.*?</f>)<v ?/>', re.S)
ZIP64 = 1 << 31  # a member this large needs the zip64 extension


def add_cached_values(path: Path, sheets: Sequence[Mapping[str, float]]) -> None:
    """Give the formula cells of `path` their values: `sheets[i]` ("B5" -> value) of the (i+1)-th sheet,
    as openpyxl names its parts (xl/worksheets/sheet1.xml …)."""
    if not any(sheets):
        return
    path = Path(path)
    tmp = path.with_name(path.name + ".cached")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                found = SHEET.fullmatch(info.filename)
                index = int(found[1]) - 1 if found else -1
                if 0 <= index < len(sheets) and sheets[index]:
                    dst.writestr(info, with_values(src.read(info), sheets[index]))
                    continue
                with src.open(info) as fin, dst.open(info, "w", force_zip64=info.file_size >= ZIP64) as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def with_values(xml: bytes, values: Mapping[str, float]) -> bytes:
    """`xml` (a sheet part) with `<v>value</v>` in each formula cell named in `values`."""

    def fill(found: re.Match[bytes]) -> bytes:
        value = values.get(found[2].decode())
        if value is None:
            return found[0]
        return found[1] + found[3] + b"<v>" + repr(value).encode() + b"</v>"

    return FORMULA_CELL.sub(fill, xml)
