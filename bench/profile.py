"""Profile `embodied report` (read, take-off, match, life cycle, report) under pyinstrument.

    .venv/bin/python bench/profile.py MODEL [--no-geometry] [--format json] [--top 15]

Runs the CLI in this process (``embodied report MODEL --format json -o TMP -q``), writes the profile
as HTML and text to bench/results/profile-<model>-<bq|geom>.{html,txt} and prints the functions
with the most cumulative time. The geometry kernel runs in a forked child process, which
pyinstrument does not see: with geometry on, that time shows as waiting on the pipe.
Needs pyinstrument (bench/requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from pyinstrument import Profiler

RESULTS = Path(__file__).resolve().parent / "results"
WRAPPERS = ("/click/", "/typer/", "bench/profile.py")  # the CLI plumbing above `embodied report`


def cumulative(root: Any) -> list[tuple[float, float, str]]:
    """(cumulative s, own s, function) per function, each counted once per stack (no recursion
    double count)."""
    total: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)

    def visit(frame: Any, on_stack: frozenset[str]) -> None:
        if getattr(frame, "is_synthetic", False) or str(frame.function).startswith("["):
            return  # pyinstrument's [self] / [await] leaves: their time is in the parent's own time
        path = frame.file_path or "?"
        key = f"{frame.function} ({Path(path).parent.name}/{Path(path).name}:{frame.line_no})"
        if key not in on_stack and not any(skip in path for skip in WRAPPERS):
            total[key] += frame.time
        own[key] += frame.total_self_time
        for child in frame.children:
            visit(child, on_stack | {key})

    if root is not None:
        visit(root, frozenset())
    return sorted(((t, own[k], k) for k, t in total.items()), reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", type=Path)
    parser.add_argument("--no-geometry", action="store_true", help="the base-quantity path")
    parser.add_argument("--format", default="json", help="report formats (default: json)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--interval", type=float, default=0.001, help="sampling interval, s")
    args = parser.parse_args()

    os.environ["EMBODIED_CACHE"] = "off"  # a cached take-off would hide the take-off from the profile
    from embodied.cli import app

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        argv = ["report", str(args.model), "--format", args.format, "-o", tmp, "-q"]
        if args.no_geometry:
            argv.append("--no-geometry")
        profiler = Profiler(interval=args.interval)
        profiler.start()
        try:
            app(argv, standalone_mode=False)
        finally:
            profiler.stop()
    session = profiler.last_session
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"profile-{args.model.stem}-{'bq' if args.no_geometry else 'geom'}"
    (RESULTS / f"{stem}.html").write_text(profiler.output_html(), encoding="utf-8")
    (RESULTS / f"{stem}.txt").write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    print(f"{args.model.name}: {session.duration:.2f} s wall, {session.cpu_time:.2f} s CPU (sampled)")
    print(f"top {args.top} functions by cumulative time:")
    print(f"  {'cum s':>8} {'own s':>8}  function")
    root = session.root_frame()
    ranked = cumulative(root)
    for cum, own, name in ranked[: args.top]:
        print(f"  {cum:8.2f} {own:8.2f}  {name}")
    print(f"top {args.top} functions by own time:")
    for cum, own, name in sorted(ranked, key=lambda r: r[1], reverse=True)[: args.top]:
        print(f"  {cum:8.2f} {own:8.2f}  {name}")
    print(f"written: {RESULTS / stem}.html, .txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
