"""Charts of the HTML and PDF reports: matplotlib figures written as SVG text, inlined by the templates.

Deterministic: a fixed ``svg.hashsalt``, no date in the metadata, and every id of a chart prefixed
with the chart's name, so several charts can live in one HTML page without clashing ids. Text is
drawn as glyph outlines (``svg.fonttype = "path"``): the page needs no font to show the charts, and
text from the model (material names) appears only in matplotlib's XML comments, which it escapes.
Only the object API is used (``matplotlib.figure.Figure``, never pyplot): no GUI backend is touched.

Chinese labels need a CJK font known to matplotlib (Noto Sans CJK SC, WenQuanYi, SimHei); without
one they come out as empty boxes, which the PDF's ``no_cjk_font`` notice announces.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from embodied.report.records import Amount, ReportModel

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei")
FALLBACK_FAMILY = "DejaVu Sans"
WIDTH_IN = 6.7  # the text width of an A4 page with 20 mm margins
COLOURS = ("#1b6b8f", "#e39b2d", "#5a9e4b", "#b8453a", "#7b5ea7", "#8c8c8c", "#c9a227", "#3f8f8a")
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
    """The figure `draw` fills, as an <svg> element (no XML prologue) with ids prefixed by `name`."""
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
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    text = _ID.sub(lambda m: f"{m[1]}{name}-{m[2]}{m[3]}", text)
    text = _HREF.sub(lambda m: f"{m[1]}{name}-{m[2]}{m[3]}", text)
    text = _URL.sub(lambda m: f"{m[1]}{name}-{m[2]}{m[3]}", text)
    return text.replace("<svg ", f'<svg class="chart" role="img" aria-labelledby="{name}-caption" ', 1)


def short_number(value: float) -> str:
    """Display rounding of a bar's value or an axis tick."""
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def stack_bar(ax: Axes, y: float, amounts: Sequence[Amount], colours: dict[str, str]) -> None:
    """One horizontal bar stacked by `amounts`: positive parts to the right of 0, negative to the left."""
    right = left = 0.0
    for a in amounts:
        if not a.kgco2e:
            continue
        start = right if a.kgco2e > 0 else left
        ax.barh(y, a.kgco2e, left=start, height=0.55, color=colours[a.key], label=a.label)
        if a.kgco2e > 0:
            right += a.kgco2e
        else:
            left += a.kgco2e


def stages_modules(report: ReportModel, titles: tuple[str, str], axis: str) -> str:
    """Two stacked bars: the GB/T 51366 stages and the EN 15978 modules (kgCO2e over the study period)."""
    stage_colours = {a.key: COLOURS[i % len(COLOURS)] for i, a in enumerate(report.stages)}
    module_colours = {a.key: COLOURS[(i + 2) % len(COLOURS)] for i, a in enumerate(report.modules)}

    def draw(fig: Figure) -> None:
        axes = fig.subplots(2, 1)
        for ax, amounts, colours, title in (
            (axes[0], report.stages, stage_colours, titles[0]),
            (axes[1], report.modules, module_colours, titles[1]),
        ):
            stack_bar(ax, 0.0, amounts, colours)
            ax.set_yticks([])
            ax.set_title(title, loc="left", fontsize=9)
            ax.set_xlabel(axis)
            ax.xaxis.set_major_formatter(lambda v, _pos: short_number(v))
            ax.axvline(0.0, color="#333333", linewidth=0.6)
            handles, labels = ax.get_legend_handles_labels()
            if handles:
                ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        fig.subplots_adjust(left=0.03, right=0.58, hspace=1.0, top=0.9, bottom=0.14)

    return to_svg(draw, "chart-stages", 3.4)


def top_materials(report: ReportModel, axis: str, empty: str) -> str:
    """Horizontal bars of the hot-spot materials (A1-A3 + A4), largest at the top."""
    rows = report.hotspot_materials

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if not rows:
            ax.set_axis_off()
            ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
            return
        positions = list(range(len(rows)))
        ax.barh(positions, [r.kgco2e for r in rows], color=COLOURS[0], height=0.6)
        ax.set_yticks(positions, [r.name for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel(axis)
        ax.xaxis.set_major_formatter(lambda v, _pos: short_number(v))
        for y, r in zip(positions, rows, strict=True):
            ax.text(r.kgco2e, y, f" {short_number(r.kgco2e)} ({r.share:.1%})", va="center", fontsize=7)
        ax.margins(x=0.25)
        fig.subplots_adjust(left=0.32, right=0.97, top=0.97, bottom=0.12)

    return to_svg(draw, "chart-materials", max(1.6, 0.25 * len(rows) + 0.7))


def intensity(report: ReportModel, bars: tuple[str, str], axis: str, not_public: str) -> str:
    """The building's intensities (kgCO2e/(m²·a)) beside the tiers' thresholds, or the note that none is
    public: a tier's ``threshold`` (when the model carries one) is drawn as a line, never invented."""
    values = (report.intensity_kgco2e_per_m2a, report.operational_kgco2_per_m2a)

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        shown = [(label, v) for label, v in zip(bars, values, strict=True) if v is not None]
        positions = list(range(len(shown)))
        ax.bar(positions, [v for _, v in shown], color=COLOURS[: len(shown)], width=0.5)
        ax.set_xticks(positions, [label for label, _ in shown])
        ax.set_ylabel(axis)
        for x, (_, v) in zip(positions, shown, strict=True):
            ax.text(x, v, short_number(v), ha="center", va="bottom", fontsize=7)
        # the draft standard's tier thresholds are not public: the chart says so instead of a line
        ax.set_title(not_public, loc="right", fontsize=8, color=COLOURS[3])
        ax.set_xlim(-0.75, max(len(shown), 1) - 0.25)
        ax.margins(y=0.2)
        fig.subplots_adjust(left=0.12, right=0.97, top=0.88, bottom=0.14)

    return to_svg(draw, "chart-intensity", 2.3)
