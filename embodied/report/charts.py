"""Charts of the HTML and PDF reports: matplotlib figures written as SVG text, inlined by the templates.

Deterministic: a fixed ``svg.hashsalt``, no date in the metadata, and every id of a chart prefixed
with the chart's name, so several charts can live in one HTML page without clashing ids. Text is
drawn as glyph outlines (``svg.fonttype = "path"``): the page needs no font to show the charts, and
text from the model (material names) appears only in matplotlib's XML comments, which it escapes.
Only the object API is used (``matplotlib.figure.Figure``, never pyplot): no GUI backend is touched.

Layout holds for long names: a figure is laid out by matplotlib's constrained layout (the axes
shrink to leave room for tick labels, axis titles and legends; unless its drawing function placed
them with ``subplots_adjust``) and saved with ``bbox_inches="tight"``, so no label is cut off.
Names longer than a line are wrapped (CJK characters counting double) and cut with "…" past
``LABEL_LINES`` lines. Colours: one fixed colour per GB/T 51366 stage
(``STAGE_COLOURS``) in every chart; an EN 15978 module takes its stage's colour, hatched when another
module of the same stage is drawn beside it.

Chinese labels need a CJK font known to matplotlib (Noto Sans CJK SC, WenQuanYi, SimHei); without
one they come out as empty boxes, which the PDF's ``no_cjk_font`` notice announces.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubplotParams
from matplotlib.layout_engine import ConstrainedLayoutEngine

from embodied.report import i18n
from embodied.report.records import Amount, Hotspot, MaterialRow, ReportModel

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei")
FALLBACK_FAMILY = "DejaVu Sans"
WIDTH_IN = 7.0  # about the text width of the PDF's A4 page (180 mm between 15 mm margins)
COLOURS = ("#1b6b8f", "#e39b2d", "#5a9e4b", "#b8453a", "#7b5ea7", "#8c8c8c", "#c9a227", "#3f8f8a")
# One colour per place a module is counted in (records.Place), the same in every chart of the report
# (and of the park report, whose stage order gives the same colours).
STAGE_COLOURS: Mapping[str, str] = {
    "production": COLOURS[0],
    "transport": COLOURS[1],
    "construction": COLOURS[2],
    "operation": COLOURS[3],
    "demolition": COLOURS[4],
    "beside_gbt51366": COLOURS[5],
    "separate": COLOURS[6],
}
WHOLE_COLOUR = "#4d5b66"  # a bar of all stages together: no stage's colour
HATCHES = ("", "////", "....", "xxxx", "\\\\", "++")  # modules of one stage, in their order
LABEL_UNITS = 34  # width of a wrapped label line, a CJK character counting 2
LABEL_LINES = 2  # lines of a wrapped name; the rest is cut with "…"
PAD_IN = 0.04  # white space kept around a figure's drawn parts
HASH_SALT = "embodied-report"
_ID = re.compile(r'(<[a-zA-Z][^<>]*?\sid=")([^"]+)(")')
_HREF = re.compile(r'((?:xlink:)?href="#)([^"]+)(")')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_URL = re.compile(r"(url\(#)([^)]+)(\))")


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The CJK families matplotlib can use, in order of preference, then DejaVu Sans.

    A font installed after matplotlib built its font cache is added from fontconfig's list.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    if not known.intersection(CJK_FAMILIES):
        for path in _fontconfig_cjk_files():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
        known = {f.name for f in font_manager.fontManager.ttflist}
    return (*(f for f in CJK_FAMILIES if f in known), FALLBACK_FAMILY)


def _fontconfig_cjk_files() -> list[str]:
    try:
        done = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    files = {line.strip().rstrip(":") for line in done.stdout.splitlines() if line.strip()}
    return sorted(f for f in files if "Sans" in f or "Hei" in f)


def to_svg(draw: Callable[[Figure], None], name: str, height_in: float) -> str:
    """The figure `draw` fills, as an <svg> element (no XML prologue) with ids prefixed by `name`:
    `height_in` high and WIDTH_IN wide, or wider when a label would not fit (nothing is cut off)."""
    style: dict[RcKeyType, Any] = {
        "svg.hashsalt": HASH_SALT,
        "svg.fonttype": "path",
        "font.family": list(font_families()),
        "font.size": 8.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
        "path.simplify": False,
    }
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # Missing glyphs are announced once, by the PDF's no_cjk_font notice, not per character.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        fig = Figure(figsize=(WIDTH_IN, height_in))
        draw(fig)
        if not _placed_by_hand(fig):  # else the drawer's subplots_adjust stands (the crop still helps)
            fig.set_layout_engine(ConstrainedLayoutEngine(w_pad=PAD_IN, h_pad=PAD_IN))
        buffer = io.StringIO()
        # tight: the saved picture holds every label, whatever room the layout found for it
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None},
            bbox_inches="tight",
            pad_inches=PAD_IN,
        )
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    text = _ID.sub(lambda m: f"{m[1]}{name}-{m[2]}{m[3]}", text)
    text = _HREF.sub(lambda m: f"{m[1]}{name}-{m[2]}{m[3]}", text)
    text = _URL.sub(lambda m: f"{m[1]}{name}-{m[2]}{m[3]}", text)
    return text.replace("<svg ", f'<svg class="chart" role="img" aria-labelledby="{name}-caption" ', 1)


def _placed_by_hand(fig: Figure) -> bool:
    """True when the drawing function placed its axes itself (``fig.subplots_adjust``)."""
    keys = ("left", "right", "bottom", "top", "wspace", "hspace")
    default = SubplotParams()
    return any(getattr(fig.subplotpars, k) != getattr(default, k) for k in keys)


def short_number(value: float) -> str:
    """Display rounding of a bar's value or an axis tick."""
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def stack_bar(
    ax: Axes, y: float, amounts: Sequence[Amount], colours: Mapping[str, str | tuple[str, str]]
) -> None:
    """One horizontal bar stacked by `amounts`: positive parts to the right of 0, negative to the left.
    `colours`: of each key a colour, or a (colour, hatch) pair."""
    right = left = 0.0
    for a in amounts:
        if not a.kgco2e:
            continue
        start = right if a.kgco2e > 0 else left
        style = colours[a.key]
        colour, hatch = (style, "") if isinstance(style, str) else style
        ax.barh(
            y,
            a.kgco2e,
            left=start,
            height=0.55,
            color=colour,
            hatch=hatch or None,
            edgecolor="white" if hatch else None,
            linewidth=0.0,
            label=a.label,
        )
        if a.kgco2e > 0:
            right += a.kgco2e
        else:
            left += a.kgco2e


def stage_colour(key: str | None) -> str:
    """The colour of a GB/T 51366 stage (or of "beside_gbt51366", "separate"); grey when unknown."""
    return STAGE_COLOURS.get(key or "", STAGE_COLOURS["beside_gbt51366"])


def module_styles(modules: Sequence[Amount]) -> dict[str, tuple[str, str]]:
    """(colour, hatch) of each module: its stage's colour; the second, third … module drawn of one
    stage hatched, so that B4 and D (both beside GB/T 51366) stay apart."""
    seen: dict[str, int] = {}
    styles = {}
    for a in modules:
        place = a.stage or a.key
        if not a.kgco2e:
            styles[a.key] = (stage_colour(place), "")
            continue
        n = seen.get(place, 0)
        seen[place] = n + 1
        styles[a.key] = (stage_colour(place), HATCHES[n % len(HATCHES)])
    return styles


def text_width(text: str) -> int:
    """Width of `text` in units of a Latin letter: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_TOKEN = re.compile(r"[A-Za-z0-9_.:/\-]+|\s+|.", re.DOTALL)


def wrap_label(text: str, units: int = LABEL_UNITS, lines: int = LABEL_LINES) -> str:
    """`text` on at most `lines` lines of `units` width (breaking Latin words only when they are
    longer than a line), the last line ending in "…" when text was left out."""
    found: list[str] = []
    line = ""
    for token in _TOKEN.findall(" ".join(text.split())):
        while token:
            if text_width(line + token) <= units:
                line, token = line + token, ""
            elif line.strip() and text_width(token) <= units:
                found.append(line.rstrip())
                line, token = ("" if token.isspace() else token), ""
            else:  # a word longer than a line: as much of it as fits
                cut = next(i for i in range(len(token), -1, -1) if text_width(line + token[:i]) <= units)
                if cut == 0 and not line:
                    cut = 1
                found.append((line + token[:cut]).rstrip())
                line, token = "", token[cut:].lstrip()
    if line.strip():
        found.append(line.rstrip())
    if len(found) > lines:
        last = found[lines - 1]
        while last and text_width(last) + 1 > units:
            last = last[:-1]
        found = [*found[: lines - 1], last.rstrip() + "…"]
    return "\n".join(found)


def hotspot_labels(rows: Sequence[Hotspot], materials: Sequence[MaterialRow]) -> list[str]:
    """The chart's names of the hot-spot rows, wrapped. A hot spot is one material row (one factor
    matched to one material name in some IFC classes): rows whose names read alike — the same
    material matched to several factors or found in several classes — are told apart by their IFC
    classes, else their factor, else their rank, never merged."""
    found = _material_rows(rows, materials)
    names = [wrap_label(r.name) for r in rows]
    labels = list(names)
    for name in dict.fromkeys(names):
        same = [i for i, n in enumerate(names) if n == name]
        if len(same) < 2:
            continue
        candidates = [_marks(found[i]) for i in same]  # per row: its classes, factor, both
        for k in range(3):
            marks = [c[k] for c in candidates]
            if all(marks) and len(set(marks)) == len(marks):
                break
        else:
            marks = [f"#{i + 1}" for i in same]
        for i, mark in zip(same, marks, strict=True):
            labels[i] = f"{name}\n({wrap_label(mark, lines=1)})"
    return labels


def _marks(row: MaterialRow | None) -> tuple[str, str, str]:
    if row is None:
        return ("", "", "")
    factor = row.factor_id or ""
    return (row.ifc_classes, factor, f"{row.ifc_classes} · {factor}" if row.ifc_classes and factor else "")


def _material_rows(rows: Sequence[Hotspot], materials: Sequence[MaterialRow]) -> list[MaterialRow | None]:
    """The material row each hot spot was made from (the hot spots are the largest rows, in order):
    the first row not yet taken with the same name and total."""
    taken: set[int] = set()
    found: list[MaterialRow | None] = []
    for h in rows:
        index = next(
            (
                i
                for i, m in enumerate(materials)
                if i not in taken and m.material == h.name and abs((m.total_kgco2e or 0.0) - h.kgco2e) < 0.01
            ),
            None,
        )
        if index is not None:
            taken.add(index)
        found.append(None if index is None else materials[index])
    return found


def stages_modules(report: ReportModel, titles: tuple[str, str], axis: str) -> str:
    """Two stacked bars: the GB/T 51366 stages and the EN 15978 modules (kgCO2e over the study period),
    a module in the colour of its stage."""
    stage_styles = {a.key: (stage_colour(a.key), "") for a in report.stages}
    module_style = module_styles(report.modules)

    def draw(fig: Figure) -> None:
        axes = fig.subplots(2, 1)
        for ax, amounts, styles, title in (
            (axes[0], report.stages, stage_styles, titles[0]),
            (axes[1], report.modules, module_style, titles[1]),
        ):
            stack_bar(ax, 0.0, amounts, styles)
            ax.set_yticks([])
            ax.set_title(title, loc="left", fontsize=9)
            ax.set_xlabel(axis)
            ax.xaxis.set_major_formatter(lambda v, _pos: short_number(v))
            ax.axvline(0.0, color="#333333", linewidth=0.6)
            handles, labels = ax.get_legend_handles_labels()
            if handles:
                labels = [wrap_label(t, units=44) for t in labels]
                ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)

    return to_svg(draw, "chart-stages", 3.4)


def top_materials(report: ReportModel, axis: str, empty: str) -> str:
    """Horizontal bars of the hot-spot materials (A1-A3 + A4), largest at the top, in the colour of
    material production; a name too long for a line is wrapped, rows alike are told apart."""
    rows = report.hotspot_materials
    return _hot_spots(rows, hotspot_labels(rows, report.materials), axis, empty, "chart-materials")


def top_classes(report: ReportModel, axis: str, empty: str) -> str:
    """Horizontal bars of the IFC classes by their elements' A1-A3 + A4 (the class hot spots), in the
    same form as the materials'."""
    rows = report.hotspot_classes
    names = [wrap_label(i18n.term(r.name, "ifc_class", report.lang)) for r in rows]
    return _hot_spots(rows, names, axis, empty, "chart-classes")


def _hot_spots(rows: Sequence[Hotspot], names: Sequence[str], axis: str, empty: str, name: str) -> str:
    """Hot spots as horizontal bars, largest at the top, each with its value and share."""
    lines = max((n.count("\n") + 1 for n in names), default=1)

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if not rows:
            ax.set_axis_off()
            ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
            return
        positions = list(range(len(rows)))
        ax.barh(positions, [r.kgco2e for r in rows], color=stage_colour("production"), height=0.6)
        ax.set_yticks(positions, list(names), multialignment="right")
        ax.tick_params(axis="y", labelsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel(axis)
        ax.xaxis.set_major_formatter(lambda v, _pos: short_number(v))
        for y, r in zip(positions, rows, strict=True):
            ax.text(r.kgco2e, y, f" {short_number(r.kgco2e)} ({r.share:.1%})", va="center", fontsize=7)
        ax.margins(x=0.25, y=0.5 / max(len(rows), 1))

    return to_svg(draw, name, max(1.6, (0.14 * lines + 0.12) * len(rows) + 0.7))


def intensity(report: ReportModel, bars: tuple[str, str], axis: str, not_public: str) -> str:
    """The building's intensities (kgCO2e/(m²·a)): the whole process (all stages, in a colour of no
    single stage) and operation (in the operation stage's colour). The draft standard's tier
    thresholds are not public: the chart shows none, and says so in its title."""
    values = (report.intensity_kgco2e_per_m2a, report.operational_kgco2_per_m2a)
    colours = (WHOLE_COLOUR, stage_colour("operation"))

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        shown = [(label, v, c) for label, v, c in zip(bars, values, colours, strict=True) if v is not None]
        positions = list(range(len(shown)))
        ax.bar(positions, [v for _, v, _ in shown], color=[c for _, _, c in shown], width=0.5)
        ax.set_xticks(positions, [wrap_label(label) for label, _, _ in shown])
        ax.set_ylabel(axis)
        for x, (_, v, _) in zip(positions, shown, strict=True):
            ax.text(x, v, short_number(v), ha="center", va="bottom", fontsize=7)
        # the draft standard's tier thresholds are not public: the chart says so instead of a line
        ax.set_title(not_public, loc="right", fontsize=8, color=COLOURS[3])
        ax.set_xlim(-0.75, max(len(shown), 1) - 0.25)
        ax.margins(y=0.2)

    return to_svg(draw, "chart-intensity", 2.3)
