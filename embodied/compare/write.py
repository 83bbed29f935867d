"""Write the comparison to FOLDER/compare.<format> for each format asked, all or none (atomic_many)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embodied.compare.document import document
from embodied.compare.records import Comparison
from embodied.errors import OutputError
from embodied.report import parse_formats as report_formats
from embodied.report.files import WRITERS, atomic_many

FORMATS = ("json", "csv", "xlsx", "html", "pdf")
DEFAULT_FORMATS = "json,xlsx,html"


def parse_formats(text: str) -> tuple[str, ...]:
    """`json,csv` -> ("json", "csv"); an unknown one is an InputError."""
    return report_formats(text, FORMATS)


def write_comparison(comparison: Comparison, folder: Path, formats: Sequence[str]) -> list[Path]:
    from embodied.compare.render import html, write_pdf_page  # matplotlib, WeasyPrint: only when asked

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror or exc})") from exc
    doc = document(comparison)
    paths = [folder / f"compare.{fmt}" for fmt in formats]
    try:
        with atomic_many(paths) as temporaries:
            for fmt, tmp in zip(formats, temporaries, strict=True):
                if fmt == "html":
                    tmp.write_text(html(comparison), encoding="utf-8")
                elif fmt == "pdf":
                    write_pdf_page(comparison, tmp)
                else:
                    WRITERS[f".{fmt}"](doc, tmp)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot be written ({exc.strerror or exc})") from exc
    return paths
