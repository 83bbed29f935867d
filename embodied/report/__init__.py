"""Report stage: one ``ReportModel`` (``model.build``), rendered by each format in ``RENDERERS``.

Each renderer module exposes ``render(report, path)`` writing one file; they are imported only when
their format is asked for (WeasyPrint and matplotlib take a second to load).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from embodied.errors import InputError, OutputError
from embodied.report.files import atomic_many
from embodied.report.model import build
from embodied.report.records import ReportModel

# format -> (file suffix, renderer module)
RENDERERS: dict[str, tuple[str, str]] = {
    "json": (".json", "embodied.report.render_json"),
    "xlsx": (".xlsx", "embodied.report.render_xlsx"),
    "html": (".html", "embodied.report.render_html"),
    "pdf": (".pdf", "embodied.report.render_pdf"),
    "lcax": (".lcax.json", "embodied.report.render_lcax"),
}
DEFAULT_FORMATS = ("json", "xlsx", "html", "pdf")
LANGS = ("zh", "en", "zh+en")


def parse_formats(text: str, allowed: Sequence[str] = tuple(RENDERERS)) -> tuple[str, ...]:
    """`json,xlsx` -> ("json", "xlsx"), each once, in the order given; a format not in `allowed` (the
    report's renderers unless a command has others) is an InputError."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in allowed]
    if unknown or not formats:
        raise InputError(
            f"--format: unknown format {', '.join(unknown) or '(none)'}", hint="use " + ",".join(allowed)
        )
    return formats


def renderer(fmt: str) -> Callable[[ReportModel, Path], None]:
    module = importlib.import_module(RENDERERS[fmt][1])
    render: Callable[[ReportModel, Path], None] = module.render
    return render


def write_reports(report: ReportModel, outdir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    """Render every format to temporary files, then move them all into place: a failure leaves the
    earlier reports as they were and no partial file behind."""
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: is not a directory")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{outdir}: cannot create the output folder ({exc.strerror or exc})") from exc
    if not os.access(outdir, os.W_OK):
        raise OutputError(f"{outdir}: directory is not writable")
    targets = [outdir / f"{stem}{RENDERERS[fmt][0]}" for fmt in formats]
    try:
        with atomic_many(targets) as temporaries:
            for fmt, tmp in zip(formats, temporaries, strict=True):
                renderer(fmt)(report, tmp)
    except OSError as exc:  # disk full, permission denied ...: nothing was moved into place
        where = exc.filename or outdir
        raise OutputError(f"{where}: the reports cannot be written ({exc.strerror or exc})") from exc
    return targets


__all__ = ["DEFAULT_FORMATS", "LANGS", "RENDERERS", "ReportModel", "build", "parse_formats", "write_reports"]
