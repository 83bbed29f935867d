"""The benchmark of issue 7: embodied against the floor (opening the file) and reference engines.

    .venv/bin/python bench/run.py [--models NAME ...] [--quick] [--repeat N] [--cap S]
                                  [--out FILE.json] [--compare OLD.json]

Models: the generated grids (bench/models/grid_*.ifc, see make_models.py), the medium models and the
large one in ../shared/ifc. Every measurement runs in a fresh process; wall time, CPU time (user +
system of the process and every descendant it waited for) and peak RSS (ru_maxrss from wait4, which
covers waited-for descendants too, so embodied's forked geometry process is included: it is the
largest single process, not the sum of processes alive at once) come from os.wait4. Linux carries a
process's peak RSS across fork and exec, so a child's peak is never below this script's own: run.py
keeps itself small (no ifcopenshell, reports parsed in a subprocess) and records its own peak
(`runner_peak_mb`) with every row; a peak at or below that says nothing.

Engines (run.py --help lists them): floor (ifcopenshell.open), embodied_bq (report --format json
--no-geometry), embodied_bq_xlsx (json,xlsx), embodied_geom (json, geometry on), plain_iterator,
plain_iterator_workers, ifc5d and ifclca (bench/engines.py), and park_1 / park_2 (embodied park over
several models with 1 and 2 workers, when that command exists). Prints a table, the targets of the
issue with their measured ratios and a linearity line, and writes JSON
(bench/results/<date>-<sha>.json) to compare against with --compare.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared" / "ifc"
PY = str(REPO / ".venv" / "bin" / "python")
EMBODIED = str(REPO / ".venv" / "bin" / "embodied")
GRIDS = ("grid_1k", "grid_10k", "grid_100k")
QUICK = ("grid_1k", "grid_10k")
ENGINES = (
    "floor",
    "embodied_bq",
    "embodied_bq_xlsx",
    "embodied_geom",
    "plain_iterator",
    "plain_iterator_workers",
    "ifc5d",
    "ifclca",
)
PARK_MODELS = ("grid_1k", "grid_10k")  # plus every medium model
DEFAULT_CAP_S = 1800.0
# embodied's take-off cache (embodied/cache.py) would turn every run after the first into a cache hit
CHILD_ENV = os.environ | {"EMBODIED_CACHE": "off"}
FLOOR_CODE = "import sys, ifcopenshell; ifcopenshell.open(sys.argv[1])"
# Targets of issue 7, as (engine, reference engine, model, limit, stretch)
TARGETS = (
    ("embodied_bq", "floor", "grid_100k", 2.5, 1.5),
    ("embodied_geom", "plain_iterator", None, 1.1, None),
    # not the issue's: embodied's own overhead over a kernel pass with as many threads as it runs
    ("embodied_geom", "plain_iterator_workers", None, 1.1, None),
)
PEAK_LIMIT_MB = 800.0


def models() -> dict[str, Path]:
    """Every model of the benchmark by name: the grids, the medium models and the large one."""
    found = {name: BENCH / "models" / f"{name}.ifc" for name in GRIDS}
    for path in sorted((SHARED / "medium").glob("*.ifc")):
        found[path.stem] = path
    for path in sorted((SHARED / "large").glob("*.ifc*")):
        found[path.stem] = path
    return found


def command(engine: str, path: Path, tmp: Path) -> list[str]:
    if engine == "floor":
        return [PY, "-c", FLOOR_CODE, str(path)]
    if engine == "embodied_bq":
        return [EMBODIED, "report", str(path), "--format", "json", "-o", str(tmp), "--no-geometry", "-q"]
    if engine == "embodied_bq_xlsx":
        return [EMBODIED, "report", str(path), "--format", "json,xlsx", "-o", str(tmp), "--no-geometry", "-q"]
    if engine == "embodied_geom":
        return [EMBODIED, "report", str(path), "--format", "json", "-o", str(tmp), "-q"]
    return [PY, str(BENCH / "engines.py"), engine, str(path)]


def measure(cmd: list[str], cap_s: float) -> dict[str, Any]:
    """Run `cmd` in a new session; wall, CPU and peak RSS from wait4; killed (group) after `cap_s`."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True, env=CHILD_ENV
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(cap_s, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    row: dict[str, Any] = {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "status": "ok",
        "load_1m": round(os.getloadavg()[0], 2),  # others' work on the machine inflates wall time
        "runner_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if timed_out.is_set():
        row["status"] = "timed out"
        row["error"] = f"stopped after {cap_s:g} s"
    elif proc.returncode != 0:
        row["status"] = "error"
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        row["error"] = f"exit {proc.returncode}: " + (
            " | ".join(lines[-3:])[-600:] if lines else "(no stderr)"
        )
    last = stdout.strip().splitlines()[-1:] if stdout.strip() else []
    if last:
        with contextlib.suppress(json.JSONDecodeError):
            row["detail"] = json.loads(last[0])
    return row


def run_engine(engine: str, path: Path, repeat: int, cap_s: float) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            row = measure(command(engine, path, Path(tmp)), cap_s)
            if engine.startswith("embodied") and row["status"] == "ok":
                row["detail"] = _report_detail(Path(tmp) / f"{path.stem}.json")
        runs.append(row)
        if row["status"] != "ok":
            return row
    best = dict(runs[0])
    best["wall_s"] = round(statistics.median(r["wall_s"] for r in runs), 3)
    best["cpu_s"] = round(statistics.median(r["cpu_s"] for r in runs), 3)
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    return best


REPORT_DETAIL = """
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8")).get("elements", [])
no_geometry = {r.get("global_id") for r in rows if "no geometry" in str(r.get("note", ""))}
print(json.dumps({"element_rows": len(rows), "elements": len({r.get("global_id") for r in rows}),
                  "no_geometry_reported": len(no_geometry)}))
"""


def _report_detail(path: Path) -> dict[str, Any]:
    """What the report says about its elements: rows, distinct elements, elements without geometry.
    Read in a subprocess: parsing a large report here would raise every later child's peak RSS."""
    probe = subprocess.run([PY, "-c", REPORT_DETAIL, str(path)], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return {"error": f"report not readable: {probe.stderr.strip()[-300:]}"}
    detail: dict[str, Any] = json.loads(probe.stdout)
    return detail


def park(paths: list[Path], workers: int, cap_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-park-") as tmp:
        cmd = [EMBODIED, "park", *map(str, paths), "-o", tmp, "--format", "json", "--workers", str(workers)]
        return measure(cmd, cap_s)


def park_available() -> str | None:
    """None when `embodied park` exists; else why the park rows are skipped."""
    probe = subprocess.run(
        [PY, "-c", "import embodied.park as p; p.run_park"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return "embodied.park.run_park does not exist (yet)"
    helped = subprocess.run([EMBODIED, "park", "--help"], capture_output=True, text=True, check=False)
    if helped.returncode != 0:
        return "the CLI has no `embodied park` command (yet)"
    return None


def settings_agree() -> str | None:
    """engines.py copies embodied's geometry settings; say so when they have drifted apart."""
    sys.path.insert(0, str(BENCH))
    import engines

    code = (
        "import json; from embodied.takeoff import geometry as g; s = g._settings(); "
        f"print(json.dumps({{k: s.get(k) for k in {list(engines.SETTINGS)!r}}}))"
    )
    probe = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"could not read embodied's geometry settings: {probe.stderr.strip()[-200:]}"
    theirs = json.loads(probe.stdout)
    if any(abs(float(theirs[k]) - float(v)) > 1e-12 for k, v in engines.SETTINGS.items()):
        return f"bench/engines.py SETTINGS {engines.SETTINGS} differ from embodied's {theirs}"
    code = "from embodied.takeoff import geometry as g; print([g.kernel_threads(n) for n in range(1, 65)])"
    probe = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=False)
    if probe.stdout.strip() != str([engines.kernel_threads(n) for n in range(1, 65)]):
        return "bench/engines.py kernel_threads differs from embodied's (or could not be read)"
    return None


def machine() -> dict[str, Any]:
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True)
    version = subprocess.run(
        [PY, "-c", "import ifcopenshell; print(ifcopenshell.version)"], capture_output=True, text=True
    )
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": subprocess.run([PY, "-V"], capture_output=True, text=True).stdout.strip(),
        "ifcopenshell": version.stdout.strip(),
        "git_sha": sha.stdout.strip() or "unknown",
        "git_dirty": bool(dirty.stdout.strip()),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def startup(repeat: int) -> dict[str, Any]:
    """Python start-up and the import of ifcopenshell, measured once: part of every floor."""
    return {
        "python_pass": run_cmd_median([PY, "-c", "pass"], repeat),
        "import_ifcopenshell": run_cmd_median([PY, "-c", "import ifcopenshell"], repeat),
        "import_embodied_cli": run_cmd_median([PY, "-c", "import embodied.cli"], repeat),
    }


def run_cmd_median(cmd: list[str], repeat: int) -> dict[str, Any]:
    runs = [measure(cmd, 120) for _ in range(max(3, repeat))]
    return {
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


# -- output -------------------------------------------------------------------------------------------
def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        "model",
        "elements",
        "MB",
        "engine",
        "wall s",
        "CPU s",
        "peak MB",
        "x floor",
        "x fl CPU",
        "load",
        "status",
    )
    lines = [head]
    for r in rows:
        lines.append(
            (
                r["model"],
                _fmt(r.get("elements")),
                _fmt(r.get("file_mb"), 1),
                r["engine"],
                _fmt(r.get("wall_s")),
                _fmt(r.get("cpu_s")),
                _fmt(r.get("peak_mb"), 0),
                _fmt(r.get("ratio_floor")),
                _fmt(r.get("ratio_floor_cpu")),
                _fmt(r.get("load_1m"), 1),
                r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('error', '')[:80]}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    for line in lines:
        cells = [
            c.ljust(w) if i in (0, 3) else c.rjust(w)
            for i, (c, w) in enumerate(zip(line[:-1], widths, strict=True))
        ]
        print("  ".join(cells) + "  " + line[-1])


def _row(rows: list[dict[str, Any]], model: str, engine: str) -> dict[str, Any] | None:
    for r in rows:
        if r["model"] == model and r["engine"] == engine and r["status"] == "ok":
            return r
    return None


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    model_names = sorted({r["model"] for r in rows})
    for engine, reference, model, limit, stretch in TARGETS:
        for name in [model] if model else model_names:
            mine, ref = _row(rows, name, engine), _row(rows, name, reference)
            if mine is None or ref is None or not ref["wall_s"]:
                continue
            ratio = mine["wall_s"] / ref["wall_s"]
            check = {"target": f"{engine} / {reference} wall", "model": name, "ratio": round(ratio, 2)}
            if ref.get("cpu_s"):
                check["cpu_ratio"] = round(mine["cpu_s"] / ref["cpu_s"], 2)
            check |= {"limit": limit, "met": ratio <= limit}
            if stretch is not None:
                check |= {"stretch": stretch, "stretch_met": ratio <= stretch}
            checks.append(check)
    for engine in ("embodied_bq", "embodied_geom"):
        mine = _row(rows, "grid_100k", engine)
        if mine is not None:
            checks.append(
                {
                    "target": f"{engine} peak MB",
                    "model": "grid_100k",
                    "ratio": mine["peak_mb"],
                    "limit": PEAK_LIMIT_MB,
                    "met": mine["peak_mb"] <= PEAK_LIMIT_MB,
                }
            )
    for r in rows:
        if r["engine"] == "embodied_geom" and r["status"] == "ok" and r.get("elements"):
            detail = r.get("detail") or {}
            counted = detail.get("elements")
            if counted is not None:
                checks.append(
                    {
                        "target": "embodied_geom reports every element",
                        "model": r["model"],
                        "ratio": counted,
                        "limit": r["elements"],
                        "met": counted >= r["elements"],
                    }
                )
    return checks


def print_targets(checks: list[dict[str, Any]]) -> None:
    print("\nTargets (issue 7)")
    for c in checks:
        extra = ""
        if "stretch" in c:
            extra = f"  stretch <= {c['stretch']}: {'met' if c['stretch_met'] else 'not met'}"
        verdict = "met" if c["met"] else "NOT MET"
        cpu = f"  (CPU ratio {c['cpu_ratio']})" if "cpu_ratio" in c else ""
        print(
            f"  {c['target']:<40} {c['model']:<40} {c['ratio']:>9} (limit {c['limit']}) {verdict}{extra}{cpu}"
        )


def linearity(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Wall seconds per 1000 elements on the grids, per engine."""
    result: dict[str, dict[str, float]] = {}
    for engine in sorted({r["engine"] for r in rows}):
        per: dict[str, float] = {}
        for grid in GRIDS:
            r = _row(rows, grid, engine)
            if r is not None and r.get("elements"):
                per[grid] = round(r["wall_s"] / r["elements"] * 1000, 4)
        if per:
            result[engine] = per
    return result


def print_linearity(lin: dict[str, dict[str, float]]) -> None:
    print("\nLinearity: wall s per 1000 elements (grid_1k / grid_10k / grid_100k)")
    for engine, per in lin.items():
        cells = " / ".join(_fmt(per.get(g), 3) for g in GRIDS)
        print(f"  {engine:<18} {cells}")


def compare(rows: list[dict[str, Any]], old_path: Path) -> None:
    old = json.loads(old_path.read_text(encoding="utf-8"))
    before = {(r["model"], r["engine"]): r for r in old.get("results", []) if r.get("status") == "ok"}
    print(f"\nChange against {old_path} ({old.get('machine', {}).get('git_sha', '?')}): wall, CPU, peak")
    for r in rows:
        o = before.get((r["model"], r["engine"]))
        if o is None or r["status"] != "ok":
            continue
        cells = []
        for key in ("wall_s", "cpu_s", "peak_mb"):
            cells.append(f"{(r[key] / o[key] - 1) * 100:+.1f}%" if o.get(key) else "—")
        print(f"  {r['model']:<40} {r['engine']:<18} " + "  ".join(f"{c:>8}" for c in cells))


def ratios(row: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, Any]:
    """Wall and CPU time of a row over those of its model's floor."""
    if floor is None or row.get("status") != "ok":
        return {"ratio_floor": None, "ratio_floor_cpu": None}
    wall = round(row["wall_s"] / floor["wall_s"], 2) if floor["wall_s"] else None
    cpu = round(row["cpu_s"] / floor["cpu_s"], 2) if floor["cpu_s"] else None
    return {"ratio_floor": wall, "ratio_floor_cpu": cpu}


def summarise(
    rows: list[dict[str, Any]], park_rows: list[dict[str, Any]], info: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]], float | None]:
    """Print the table, the targets, the linearity and start-up lines; return checks, linearity, speed-up."""
    print()
    print_table(rows + park_rows)
    checks = targets(rows)
    one, two = (
        (_row(park_rows, park_rows[0]["model"], f"park_{w}") for w in (1, 2)) if park_rows else (None, None)
    )
    speedup = round(one["wall_s"] / two["wall_s"], 2) if one and two and two["wall_s"] else None
    if speedup is not None:
        checks.append(
            {"target": "park speed-up 1 -> 2 workers", "model": park_rows[0]["model"], "ratio": speedup}
        )
        checks[-1] |= {"limit": "> 1", "met": speedup > 1}
    print_targets(checks)
    lin = linearity(rows)
    print_linearity(lin)
    start = info.get("startup") or {}
    if start:
        print(f"\nstart-up (wall s): python {start['python_pass']['wall_s']}, "
              f"import ifcopenshell {start['import_ifcopenshell']['wall_s']}, "
              f"import embodied.cli {start['import_embodied_cli']['wall_s']}")  # fmt: skip
    return checks, lin, speedup


def show(path: Path) -> None:
    """Print the summary of a saved run again (with the CPU ratios older files lack)."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    results = saved["results"]
    floors = {r["model"]: r for r in results if r["engine"] == "floor" and r["status"] == "ok"}
    rows = [r | ratios(r, floors.get(r["model"])) for r in results if not r["engine"].startswith("park")]
    park_rows = [r for r in results if r["engine"].startswith("park")]
    print(f"{path}: {saved['machine'].get('git_sha')} {saved['machine'].get('date')}")
    summarise(rows, park_rows, saved["machine"])


# -- main ---------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", metavar="NAME", help="model names (file stems); default: all")
    parser.add_argument("--engines", nargs="+", choices=(*ENGINES, "park"), help="default: all")
    parser.add_argument("--quick", action="store_true", help="grid_1k and grid_10k only")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median wall and CPU)")
    parser.add_argument("--cap", type=float, default=DEFAULT_CAP_S, help="seconds before a run is stopped")
    parser.add_argument("--out", type=Path, help="JSON file (default: bench/results/<date>-<sha>.json)")
    parser.add_argument("--compare", type=Path, metavar="OLD.json", help="print the change against a run")
    parser.add_argument("--show", type=Path, metavar="RUN.json", help="print a saved run's summary and stop")
    args = parser.parse_args()
    if args.show:
        show(args.show)
        return 0

    available = models()
    names = list(QUICK) if args.quick else (args.models or list(available))
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown models: {', '.join(unknown)}; known: {', '.join(available)}", file=sys.stderr)
        return 2
    missing = [n for n in names if not available[n].exists()]
    if missing:
        print(f"missing model files: {', '.join(missing)} (make_models.py writes the grids)", file=sys.stderr)
        return 2
    engines = args.engines or [*ENGINES, "park"]

    info = machine()
    drift = settings_agree()
    if drift:
        print(f"warning: {drift}", file=sys.stderr)
    info["startup"] = startup(args.repeat)
    print(f"start-up: {info['startup']}", file=sys.stderr)

    rows: list[dict[str, Any]] = []
    for name in names:
        path = available[name]
        counted = measure([PY, str(BENCH / "engines.py"), "count", str(path)], args.cap).get("detail") or {}
        base = {"model": name, "path": str(path), "elements": counted.get("elements")}
        base["file_mb"] = round(path.stat().st_size / 1e6, 2)
        floor: dict[str, Any] | None = None
        for engine in (e for e in ENGINES if e in engines):
            print(f"{name}: {engine} ...", file=sys.stderr, flush=True)
            row = base | {"engine": engine} | run_engine(engine, path, args.repeat, args.cap)
            if engine == "floor" and row["status"] == "ok":
                floor = row
            rows.append(row | ratios(row, floor))
            print(
                f"  {row['wall_s']} s, {row['cpu_s']} s CPU, {row['peak_mb']} MB, {row['status']}",
                file=sys.stderr,
            )

    park_rows: list[dict[str, Any]] = []
    if "park" in engines:
        why = park_available()
        park_names = [n for n in available if n in PARK_MODELS or available[n].parent.name == "medium"]
        park_paths = [available[n] for n in park_names if available[n].exists()]
        for workers in (1, 2):
            row = {"model": f"park: {len(park_paths)} models", "engine": f"park_{workers}", "elements": None}
            row["file_mb"] = round(sum(p.stat().st_size for p in park_paths) / 1e6, 2)
            if why:
                row |= {"status": "skipped", "error": why, "wall_s": None, "cpu_s": None, "peak_mb": None}
            else:
                print(f"park --workers {workers} ...", file=sys.stderr, flush=True)
                row |= park(park_paths, workers, args.cap)
            row |= {"ratio_floor": None, "ratio_floor_cpu": None, "models": park_names}
            park_rows.append(row)
        if why:
            print(f"park: skipped: {why}", file=sys.stderr)

    checks, lin, speedup = summarise(rows, park_rows, info)
    out = args.out or BENCH / "results" / f"{datetime.date.today().isoformat()}-{info['git_sha']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": info, "settings_drift": drift, "results": rows + park_rows}
    payload |= {"targets": checks, "linearity_s_per_1000": lin, "park_speedup": speedup}
    out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")
    if args.compare:
        compare(rows + park_rows, args.compare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
