"""A sheet of a write-only workbook, laid out before it is written: cells in any order, as plain
values, then the column widths and the rows once, in order (``Sheet``); the number formats, fonts and
the rule that text from a model stays text (``Styled``). The report and the park workbooks use it.

The workbook is written in openpyxl's write-only mode: a report of 100 000 elements has some 175 000
element rows, and a normal workbook holds a styled cell object for each of its 1.4 million cells, then
fits the column widths by walking them all again. A write-only sheet takes its rows once, in order, and
its column widths before the first row, so each sheet is laid out in a ``Sheet`` (cells in any order,
as plain values) and written at the end, widths first. The park workbook is written the same way.

A formula of the renderer's own goes in with ``Sheet.live`` and the value it gives; openpyxl writes no
value for a formula, so ``xlsx_cache`` adds those (``Sheet.cached``) to the saved file.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

KG, M2, SHARE, QTY = "#,##0.0", "#,##0.00", "0.0%", "0.000"
HEAD_FONT, HEAD_FILL = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT, NOTE_FONT = Font(bold=True, size=14), Font(italic=True)
MAX_WIDTH, MAX_TEXT = 60, 32767
RISKY, SCALAR = ("=", "+", "-", "@", "\t", "\r"), (str, bool, int, float)
Fmts = Sequence[str | None]
ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
FORMULA_WIDTH = len("=formula cell")  # a formula's width: its text is not what Excel shows


def sheet_name(lang: str, zh: str, en: str) -> str:
    name = {"zh": zh, "en": en}.get(lang, f"{zh} {en}")
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31].strip() or en[:31]


def quoted(name: str) -> str:
    """A sheet's name as a formula refers to it: `'阶段 Stages'!`."""
    return "'" + name.replace("'", "''") + "'!"


def bar_chart(title: str, kind: str = "col", stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type, chart.title, chart.height, chart.width = kind, title, 8, 16
    chart.y_axis.title, chart.x_axis.delete, chart.y_axis.delete = "kgCO2e", False, False
    if stacked:
        chart.grouping, chart.overlap = "stacked", 100
    else:
        chart.legend = None  # one series
    return chart


class Styled(NamedTuple):
    """A cell value that needs a style: a number format, text kept as text (never a formula or an error
    code), a font or a fill. Plain values need none, and most cells are plain: no cell object for them."""

    value: Any
    fmt: str | None = None
    text: bool = False
    font: Font | None = None
    fill: PatternFill | None = None


def _spec(value: Any, fmt: str | None = None, live: bool = False) -> Any:
    """What one cell holds: None stays empty; text that Excel would evaluate is kept as text, unless
    `live` (a formula of the renderer's own); `fmt` applies to numbers, and to empty and live cells."""
    if value is None or value == "" or live:
        return Styled(value or None, fmt) if fmt and fmt != "General" else value or None
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ", ".join(map(str, value))
    elif not isinstance(value, SCALAR) or (isinstance(value, float) and not math.isfinite(value)):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL.sub("\ufffd", value)[:MAX_TEXT]
        return Styled(value, text=True) if value.startswith(RISKY) or value in ERROR_CODES else value
    return Styled(value, fmt) if fmt and fmt != "General" and not isinstance(value, bool) else value


def _styled(spec: Any, font: Font | None, fill: PatternFill | None = None) -> Styled:
    return (spec if isinstance(spec, Styled) else Styled(spec))._replace(font=font, fill=fill)


def _apply(cell: Any, spec: Any) -> Any:
    """Give `cell` (of either kind of worksheet) the value and style of `spec`."""
    if not isinstance(spec, Styled):
        cell.value = spec
        return cell
    cell.value = spec.value
    if spec.fmt:
        cell.number_format = spec.fmt
    if spec.text:
        cell.data_type, cell.quotePrefix = "s", True
    if spec.font:
        cell.font = spec.font
    if spec.fill:
        cell.fill = spec.fill
    return cell


def _width(value: Any, formula: bool) -> int:
    """Columns the value takes as shown (a float with one decimal and thousands separators)."""
    if formula:
        return FORMULA_WIDTH
    return _text_width(f"{value:,.1f}" if isinstance(value, float) else str(value))


@functools.lru_cache(maxsize=1 << 16)
def _wide_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_width(text: str) -> int:
    """Wide (CJK) characters count twice; names repeat over thousands of rows, hence the cache."""
    return len(text) if text.isascii() else _wide_width(text)


def _set_widths(ws: Any, widths: dict[int, int]) -> None:
    """Column widths fitted to the content, capped at MAX_WIDTH."""
    for col, n in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(n + 2, 8), MAX_WIDTH)


class Sheet:
    """One write-only sheet, its cells kept as specs (``_spec``) by row until `write`: the builders put
    cells in any order, and set its panes, filter and charts (any time before the workbook is saved);
    `write` fits the column widths to every row, then sends the rows in order."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.rows: dict[int, list[Any]] = {}
        self.cached: dict[str, float] = {}  # "B5" -> the value of the formula there (``xlsx_cache``)

    def put(
        self,
        row: int,
        col: int,
        value: Any,
        fmt: str | None = None,
        *,
        live: bool = False,
        font: Font | None = None,
    ) -> None:
        """One value (``_spec``; `live`: a formula of the renderer's own), in `font` if given."""
        spec = _spec(value, fmt, live)
        self.set(row, col, _styled(spec, font) if font else spec)

    def live(self, row: int, col: int, formula: str, cached: float | None, fmt: str | None = None) -> None:
        """A formula of the renderer's own, with the value it gives (the model's number), written as
        the cell's cached value after the workbook is saved (``xlsx_cache``)."""
        self.put(row, col, formula, fmt, live=True)
        if isinstance(cached, (int, float)) and not isinstance(cached, bool) and math.isfinite(cached):
            self.cached[f"{get_column_letter(col)}{row}"] = float(cached)

    def set(self, row: int, col: int, spec: Any) -> None:
        """A spec as it is (a header's, with its font and fill)."""
        line = self.rows.setdefault(row, [])
        line.extend([None] * (col - len(line)))
        line[col - 1] = spec

    def row(self, row: int, values: Sequence[Any], fmts: Fmts = ()) -> None:
        """`values` from column A, each with the format of its column; the cells right of them stay."""
        if len(fmts) < len(values):
            fmts = [*fmts, *[None] * (len(values) - len(fmts))]
        specs = [_spec(value, fmt) for value, fmt in zip(values, fmts, strict=False)]
        self.rows.setdefault(row, [])[: len(specs)] = specs

    def header(self, row: int, labels: Sequence[str]) -> None:
        for col, text in enumerate(labels, 1):
            self.set(row, col, _styled(_spec(text), HEAD_FONT, HEAD_FILL))

    def table(self, heads: Sequence[str], rows: Iterable[Sequence[Any]], fmts: Fmts = ()) -> int:
        """A table from A1 with frozen header and autofilter; the last row written."""
        self.header(1, heads)
        fmts = [*fmts, *[None] * (len(heads) - len(fmts))]
        last = 1
        for last, values in enumerate(rows, 2):
            self.row(last, values, fmts)
        self.freeze("A2", f"A1:{get_column_letter(len(heads))}{max(last, 2)}")
        return last

    def freeze(self, pane: str, filter_ref: str) -> None:
        """Panes frozen above and left of `pane`, an autofilter over `filter_ref`."""
        self.ws.freeze_panes, self.ws.auto_filter.ref = pane, filter_ref

    def ref(self, **bounds: int) -> Reference:
        return Reference(self.ws, **bounds)

    def chart(self, chart: BarChart, anchor: str) -> None:
        self.ws.add_chart(chart, anchor)

    def write(self) -> None:
        """Widths first (a write-only sheet writes them before its rows), then every row in order."""
        widths: dict[int, int] = defaultdict(int)
        for line in self.rows.values():
            for col, spec in enumerate(line, 1):
                value, text = (spec.value, spec.text) if isinstance(spec, Styled) else (spec, False)
                if value is not None:
                    formula = not text and isinstance(value, str) and value.startswith("=")
                    widths[col] = max(widths[col], _width(value, formula))
        _set_widths(self.ws, widths)
        for row in range(1, max(self.rows, default=0) + 1):
            line = self.rows.pop(row, [])  # each row let go once written
            self.ws.append([_apply(WriteOnlyCell(self.ws), s) if isinstance(s, Styled) else s for s in line])
