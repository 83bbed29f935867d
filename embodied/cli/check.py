"""`embodied check MODEL`: is the model ready for a take-off? Runs the readiness IDS (the shipped one,
or `--ids FILE`) and the Python checks beside it (embodied.check), says the score and each
requirement on stderr, and with `-o FOLDER` writes FOLDER/check.<format> (json, csv, xlsx).

check.json holds ``score`` (0-1) and ``requirements``, each with ``name``, ``passed`` and
``failed_global_ids`` (a contract), and also ``description``, ``source``, ``applicable``, ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from embodied.cli.common import ModelArg, QuietOpt, guarded, make_folder, output_folder, say
from embodied.pipeline import Readiness
from embodied.pipeline import run_check as check_model
from embodied.report import parse_formats as report_formats
from embodied.report.files import Document, write

CHECK_FORMATS = ("json", "csv", "xlsx")
COLUMNS = ("name", "source", "passed", "applicable", "failed", "description", "failed_global_ids")


def check(
    model: ModelArg,
    ids: Annotated[
        Path | None,
        typer.Option("--ids", help="Your IDS file (IDS 1.0 XML) instead of the shipped readiness.ids."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Folder for check.<format> (nothing is written without it)."),
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: json,csv,xlsx (with -o; default json).")
    ] = "json",
    quiet: QuietOpt = False,
) -> None:
    """Model readiness before calculation: materials, storeys, quantities or geometry, space areas."""
    run_check(CheckArgs(model=model, ids=ids, output=out, formats=formats, quiet=quiet))


@dataclass(frozen=True, slots=True)
class CheckArgs:
    """One `check` run: the model, the IDS (None: the shipped one), the output folder (None: no
    files), the formats as typed (comma-separated) and whether to say the summary."""

    model: Path
    ids: Path | None = None
    output: Path | None = None
    formats: str = "json"
    quiet: bool = False


def parse_formats(text: str) -> tuple[str, ...]:
    return report_formats(text, CHECK_FORMATS)


def run_check(args: CheckArgs) -> Readiness:
    """Check the model, write the files asked for, say the summary; errors become exit codes."""

    def action() -> tuple[Readiness, list[Path]]:
        chosen = parse_formats(args.formats)
        folder = output_folder(args.output) if args.output is not None else None
        readiness = check_model(args.model, args.ids)
        written: list[Path] = []
        if folder is not None:
            make_folder(folder)
            doc = document(readiness)
            for fmt in chosen:
                path = folder / f"check.{fmt}"
                write(doc, path)
                written.append(path)
        return readiness, written

    readiness, written = guarded(action)
    if not args.quiet:
        for line in summary(readiness):
            say(line)
        for path in written:
            say(f"  written: {path}")
    return readiness


def summary(readiness: Readiness) -> list[str]:
    """The lines said on stderr: the score, then each requirement passed or failed with its counts."""
    lines = [f"{readiness.model.name}: readiness {readiness.score:.0%} (IDS {readiness.ids.name})"]
    for req in readiness.requirements:
        mark = "passed" if req.passed else "FAILED"
        counts = f"{req.failed} of {req.applicable} failed" if req.failed else f"{req.applicable} checked"
        example = f"; e.g. {', '.join(req.failed_global_ids[:3])}" if req.failed else ""
        lines.append(f"  {mark:<6} {req.name:<18} [{req.source}] {counts}{example}")
    return lines


def _row(req: Any) -> dict[str, Any]:
    return {
        "name": req.name,
        "source": req.source,
        "passed": req.passed,
        "applicable": req.applicable,
        "failed": req.failed,
        "description": req.description,
        "failed_global_ids": list(req.failed_global_ids),
    }


def document(readiness: Readiness) -> Document:
    """The result for every format: a table of requirements; JSON with the score and the model."""
    rows = [_row(r) for r in readiness.requirements]
    data = {
        "model": str(readiness.model),
        "ids": str(readiness.ids),
        "score": readiness.score,
        "passed": readiness.passed,
        "requirements": rows,
    }
    about = [
        ("model", str(readiness.model)),
        ("ids", str(readiness.ids)),
        ("score", f"{readiness.score:.4f}"),
    ]
    return Document(table_name="requirements", columns=COLUMNS, rows=rows, data=data, about=about)


__all__ = ["CheckArgs", "check", "run_check"]
