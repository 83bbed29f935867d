"""Fuzz the whole pipeline: mutate small IFC files and run `embodied report` on each.

    python tests/fuzz/fuzz_pipeline.py --minutes 10 --out tests/bad_inputs/found

Seeds: examples/sample_building.ifc, a few small models built with tests/modelkit.py, and, when
present, ../shared/ifc/small/*.ifc up to 120 KB (read only: they are copied, never changed). Each case
stacks one to three mutations of the STEP text (drop, duplicate or swap lines, truncate, flip digits,
numbers to 0/-1/NaN/1e308, dangling or wrong references, other entity names and enum values, control
characters and long strings in quoted names, another FILE_SCHEMA) and runs

    python -m embodied report CASE -o OUT --format json,xlsx,html --threads 1   (pdf every Nth case)

in a child process with a timeout. OK: exit 0 with a JSON report whose numbers are all finite and
whose totals add up, or exit 2 with exactly one stderr line starting "embodied: error:". Anything
else fails: a traceback, another exit code or a signal, a hang, more stderr on an error, a
non-finite number, totals that do not add up, a missing report or a leftover ``*.part`` file.

By default a case runs in a child forked from this process after it has imported embodied (the same
code, fresh state, much faster than starting Python); ``--exec`` starts ``python -m embodied``
for every case instead. Every failure is re-run with ``python -m embodied`` before it is kept: a
failure is minimised a little (the single mutation that still fails the same way, if there is one)
and saved as OUT/<hash>.ifc with OUT/<hash>.json saying what happened. One file per distinct failure,
at most --max-saved files, each under 200 KB.

Only the standard library is imported at the top: tests/test_fuzz.py and tests/test_accounting.py
load this file for its mutations, its outcome rules and its report checks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample_building.ifc"
SHARED_SMALL = REPO.parent / "shared" / "ifc" / "small"
MAX_SEED_BYTES = 120_000
MAX_FILE_BYTES = 200_000
GEOMETRY_TIMEOUT = 20  # s, EMBODIED_GEOMETRY_TIMEOUT of a case (the default --timeout is 60 s)
MEMORY_LIMIT = 4 * 1024**3  # address space of a case: a runaway allocation fails instead of swapping
BASE_FORMATS = "json,xlsx,html"
TRACEBACK = "Traceback (most recent call last)"
ERROR_PREFIX = "embodied: error:"

# ---------------------------------------------------------------------------------------------------
# mutations of the STEP text. Each takes its own Random and the file's lines (ends kept), changes the
# lines in place and says what it did; the same (op, seed) on the same text does the same thing.
# ---------------------------------------------------------------------------------------------------
_ENTITY_LINE = re.compile(r"^\s*#(\d+)\s*=\s*([A-Za-z0-9_]+)\s*\(")
_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![#\w.])[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w.])")
_REF = re.compile(r"#\d+")
_ENUM = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*\.")
_SCHEMA_LINE = re.compile(r"FILE_SCHEMA\s*\(\s*\(\s*'[^']*'\s*\)\s*\)\s*;?", re.IGNORECASE)
TRAILER = "ENDSEC;\nEND-ISO-10303-21;\n"

NUMBERS = ("0.", "0", "-1.", "-1", "NaN", "1E308", "-1E308", "1E-308", "1E400", "INF", "-0.", "1E+20", "3")
PREFIXES = (".EXA.", ".PETA.", ".ATTO.", ".PICO.", ".MILLI.", ".KILO.", "$", ".DECA.", "*")
QUANTITY_ENTITIES = (
    "IFCQUANTITY",
    "IFCPROPERTYSINGLEVALUE",
    "IFCMATERIALLAYER(",
    "IFCMATERIALCONSTITUENT(",
    "PROFILEDEF",
    "IFCEXTRUDEDAREASOLID",
    "IFCMEASUREWITHUNIT",
    "IFCGENERALMATERIALPROPERTIES",
)
ENUMS = (".NOTDEFINED.", ".USERDEFINED.", ".T.", ".F.", ".U.", ".FOO.", ".", "..")
SCHEMAS = (
    "IFC2X3",
    "IFC4",
    "IFC4X3",
    "IFC4X3_ADD2",
    "IFC4X1",
    "IFC4X3_RC4",
    "IFC5",
    "",
    "ifc4",
    "IFC2X2_FINAL",
)
ENTITY_NAMES = (
    "IFCWALL",
    "IFCSLAB",
    "IFCBEAM",
    "IFCCOLUMN",
    "IFCWINDOW",
    "IFCOPENINGELEMENT",
    "IFCBUILDINGELEMENTPROXY",
    "IFCMATERIAL",
    "IFCMATERIALLAYER",
    "IFCQUANTITYVOLUME",
    "IFCEXTRUDEDAREASOLID",
    "IFCRECTANGLEPROFILEDEF",
    "IFCRELAGGREGATES",
    "IFCPROJECT",
    "IFCFOO",
    "IFCWALLSTANDARDCASE",
)
CONTROL = ("\x00", "\x01", "\x07", "\x1b[31m", "\r", "\n", "\t", "\x7f", "\x0c")
STRANGE = (
    "'",  # an unescaped quote ends the string early
    "\\X2\\D800\\X0\\",  # a lone surrogate
    "\\X2\\00E9",  # an unterminated \X2\
    "\\X\\FF",
    "\\S\\A",
    "\\X4\\0010FFFF\\X0\\",
    "\\",
    "混凝土C30",  # raw UTF-8, as some exporters write
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "%s%n{0}",
    "\u202e",  # right-to-left override
)


def _data_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if _ENTITY_LINE.match(line)]


def _outside_strings(line: str, pattern: re.Pattern[str], start: int = 0) -> list[re.Match[str]]:
    """Matches of `pattern` in `line` from `start` that do not lie inside a quoted string."""
    spans = [m.span() for m in _STRING.finditer(line)]
    return [m for m in pattern.finditer(line, start) if not any(a <= m.start() < b for a, b in spans)]


def _body_start(line: str) -> int:
    match = _ENTITY_LINE.match(line)
    return match.end() if match else 0


def _pick_line(rng: random.Random, lines: list[str]) -> int | None:
    data = _data_lines(lines)
    return rng.choice(data) if data else None


def _max_id(lines: list[str]) -> int:
    ids = [int(m.group(1)) for line in lines if (m := _ENTITY_LINE.match(line))]
    return max(ids, default=0)


def m_drop(rng: random.Random, lines: list[str]) -> str:
    i = _pick_line(rng, lines)
    if i is None:
        return "drop: no data line"
    removed = lines.pop(i)
    return f"drop line {removed.strip()[:60]}"


def m_duplicate(rng: random.Random, lines: list[str]) -> str:
    i = _pick_line(rng, lines)
    if i is None:
        return "duplicate: no data line"
    line = lines[i]
    if rng.random() < 0.5:
        lines.insert(i + 1, line)
        return f"duplicate line (same id) {line.strip()[:60]}"
    new_id = _max_id(lines) + 1
    copy = re.sub(r"^\s*#\d+", f"#{new_id}", line, count=1)
    lines.insert(i + 1, copy)
    return f"duplicate line as #{new_id}: {line.strip()[:60]}"


def m_swap(rng: random.Random, lines: list[str]) -> str:
    data = _data_lines(lines)
    if len(data) < 2:
        return "swap: too few lines"
    i, j = rng.sample(data, 2)
    if rng.random() < 0.3:  # swap the lines themselves (their order)
        lines[i], lines[j] = lines[j], lines[i]
        return f"swap lines {i + 1} and {j + 1}"
    # swap what the two ids stand for: #a = <body of b>, #b = <body of a>
    a, b = _body_start(lines[i]), _body_start(lines[j])
    head_i, head_j = lines[i][:a], lines[j][:b]
    name_i, name_j = _ENTITY_LINE.match(lines[i]), _ENTITY_LINE.match(lines[j])
    assert name_i is not None and name_j is not None
    id_i = head_i[: name_i.start(2)]
    id_j = head_j[: name_j.start(2)]
    body_i, body_j = lines[i][name_i.start(2) :], lines[j][name_j.start(2) :]
    lines[i], lines[j] = id_i + body_j, id_j + body_i
    return f"swap bodies of #{name_i.group(1)} ({name_i.group(2)}) and #{name_j.group(1)} ({name_j.group(2)})"


def m_truncate(rng: random.Random, lines: list[str]) -> str:
    text = "".join(lines)
    if len(text) < 2:
        return "truncate: empty"
    cut = rng.randrange(1, len(text))
    kept = text[:cut]
    mode = rng.random()
    if mode < 0.4:
        rest = ""
        what = "as is"
    elif mode < 0.8:
        rest = "\n" + TRAILER
        what = "with the trailer appended"
    else:
        rest = ");\n" + TRAILER
        what = "closed with ); and the trailer"
    lines[:] = (kept + rest).splitlines(keepends=True)
    return f"truncate at byte {cut} of {len(text)} ({what})"


def m_flip_digit(rng: random.Random, lines: list[str]) -> str:
    data = _data_lines(lines)
    for _ in range(20):
        if not data:
            break
        i = rng.choice(data)
        digits = [k for k, c in enumerate(lines[i]) if c.isdigit()]
        if digits:
            k = rng.choice(digits)
            new = rng.choice([d for d in "0123456789" if d != lines[i][k]])
            lines[i] = lines[i][:k] + new + lines[i][k + 1 :]
            return f"flip digit {k} of line {i + 1} to {new}: {lines[i].strip()[:60]}"
    return "flip digit: none found"


def m_number(rng: random.Random, lines: list[str]) -> str:
    data = _data_lines(lines)
    if rng.random() < 0.5:  # half the time a number the take-off reads: quantities, sizes, densities
        data = [i for i in data if any(k in lines[i].upper() for k in QUANTITY_ENTITIES)] or data
    for _ in range(20):
        if not data:
            break
        i = rng.choice(data)
        found = _outside_strings(lines[i], _NUMBER, _body_start(lines[i]))
        if found:
            m = rng.choice(found)
            value = rng.choice(NUMBERS)
            lines[i] = lines[i][: m.start()] + value + lines[i][m.end() :]
            return f"number {m.group()} -> {value} in {lines[i].strip()[:70]}"
    return "number: none found"


def m_unit(rng: random.Random, lines: list[str]) -> str:
    """Another SI prefix, or a conversion factor of 0, -1, 1e308 …: the unit scales run wild."""
    units = [i for i in _data_lines(lines) if re.search(r"IFC(SIUNIT|MEASUREWITHUNIT)\b", lines[i], re.I)]
    if not units:
        return "unit: none found"
    i = rng.choice(units)
    line = lines[i]
    prefix = re.search(r"(IFCSIUNIT\s*\(\s*[^,]*,\s*[^,]*,\s*)([^,]*)(,)", line, re.I)
    if prefix:
        new = rng.choice(PREFIXES)
        lines[i] = line[: prefix.start(2)] + new + line[prefix.end(2) :]
        return f"SI prefix {prefix.group(2)} -> {new} in {lines[i].strip()[:70]}"
    found = _outside_strings(line, _NUMBER, _body_start(line))
    if not found:
        return "unit: no factor"
    m = rng.choice(found)
    new = rng.choice(("0.", "-1.", "1E308", "1E-308", "NaN", "1E20"))
    lines[i] = line[: m.start()] + new + line[m.end() :]
    return f"conversion factor {m.group()} -> {new} in {lines[i].strip()[:70]}"


def m_reference(rng: random.Random, lines: list[str]) -> str:
    data = _data_lines(lines)
    ids = [int(m.group(1)) for i in data if (m := _ENTITY_LINE.match(lines[i]))]
    for _ in range(20):
        if not data:
            break
        i = rng.choice(data)
        found = _outside_strings(lines[i], _REF, _body_start(lines[i]))
        if found:
            m = rng.choice(found)
            mode = rng.random()
            if mode < 0.45:
                new = f"#{_max_id(lines) + rng.randrange(1, 10_000)}"  # dangling
            elif mode < 0.55:
                new = "#0"
            elif mode < 0.7:
                new = rng.choice(("$", "*"))
            else:
                new = f"#{rng.choice(ids)}"  # an existing entity, most likely of the wrong type
            lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
            return f"reference {m.group()} -> {new} in {lines[i].strip()[:70]}"
    return "reference: none found"


def m_entity_name(rng: random.Random, lines: list[str]) -> str:
    i = _pick_line(rng, lines)
    if i is None:
        return "entity name: no data line"
    m = _ENTITY_LINE.match(lines[i])
    assert m is not None
    names = sorted({n.group(2) for line in lines if (n := _ENTITY_LINE.match(line))})
    pool = list(ENTITY_NAMES) + names
    new = rng.choice(pool)
    if rng.random() < 0.15:
        new = new.lower()
    lines[i] = lines[i][: m.start(2)] + new + lines[i][m.end(2) :]
    return f"entity #{m.group(1)} {m.group(2)} -> {new}"


def m_enum(rng: random.Random, lines: list[str]) -> str:
    data = _data_lines(lines)
    every = sorted(
        {e.group() for i in data for e in _outside_strings(lines[i], _ENUM, _body_start(lines[i]))}
    )
    for _ in range(20):
        if not data:
            break
        i = rng.choice(data)
        found = _outside_strings(lines[i], _ENUM, _body_start(lines[i]))
        if found:
            m = rng.choice(found)
            new = rng.choice(list(ENUMS) + every)
            lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
            return f"enum {m.group()} -> {new} in {lines[i].strip()[:70]}"
    return "enum: none found"


def m_string(rng: random.Random, lines: list[str]) -> str:
    data = _data_lines(lines)
    for _ in range(20):
        if not data:
            break
        i = rng.choice(data)
        found = list(_STRING.finditer(lines[i], _body_start(lines[i])))
        if not found:
            continue
        m = rng.choice(found)
        mode = rng.random()
        if mode < 0.35:
            insert = "".join(rng.choice(CONTROL) for _ in range(rng.randrange(1, 4)))
            what = "control characters " + repr(insert)
        elif mode < 0.55:
            n = rng.choice((300, 5_000, 40_000))
            insert = rng.choice(("A", "墙", "\\X2\\5899\\X0\\", "x'' ")) * (n // 4)
            what = f"a long string ({len(insert)} chars)"
        else:
            insert = rng.choice(STRANGE)
            what = repr(insert)
        inner = m.group()[1:-1]
        k = rng.randrange(0, len(inner) + 1)
        new = "'" + inner[:k] + insert.encode("utf-8").decode("latin-1") + inner[k:] + "'"
        lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
        return f"string {m.group()[:40]} gets {what}"
    return "string: none found"


def m_schema(rng: random.Random, lines: list[str]) -> str:
    for i, line in enumerate(lines):
        if _SCHEMA_LINE.search(line):
            if rng.random() < 0.1:
                lines.pop(i)
                return "FILE_SCHEMA line removed"
            new = rng.choice(SCHEMAS)
            lines[i] = _SCHEMA_LINE.sub(f"FILE_SCHEMA(('{new}'));", line, count=1)
            return f"FILE_SCHEMA -> {new!r}"
    return "schema: no FILE_SCHEMA"


def m_arity(rng: random.Random, lines: list[str]) -> str:
    i = _pick_line(rng, lines)
    if i is None:
        return "arity: no data line"
    line = lines[i]
    end = line.rfind(");")
    if end < 0:
        return "arity: no closing parenthesis"
    if rng.random() < 0.5:
        lines[i] = line[:end] + ",$" + line[end:]
        return f"one attribute more: {lines[i].strip()[:70]}"
    comma = line.rfind(",", 0, end)
    if comma < _body_start(line):
        return "arity: single attribute"
    lines[i] = line[:comma] + line[end:]
    return f"last attribute dropped: {lines[i].strip()[:70]}"


MUTATORS: dict[str, Callable[[random.Random, list[str]], str]] = {
    "drop": m_drop,
    "duplicate": m_duplicate,
    "swap": m_swap,
    "truncate": m_truncate,
    "flip_digit": m_flip_digit,
    "number": m_number,
    "reference": m_reference,
    "entity_name": m_entity_name,
    "enum": m_enum,
    "string": m_string,
    "schema": m_schema,
    "arity": m_arity,
    "unit": m_unit,
}
WEIGHTS = {"truncate": 0.3, "schema": 0.3, "number": 2.5, "reference": 2.0, "string": 1.5, "unit": 0.7}


@dataclass(frozen=True, slots=True)
class Mutation:
    op: str
    seed: int


def mutate(data: bytes, mutations: Sequence[Mutation]) -> tuple[bytes, list[str]]:
    """`data` with `mutations` applied in order, and what each did."""
    lines = data.decode("latin-1").splitlines(keepends=True)
    done = []
    for mutation in mutations:
        done.append(MUTATORS[mutation.op](random.Random(mutation.seed), lines))
    return "".join(lines).encode("latin-1"), done


def random_mutations(rng: random.Random) -> list[Mutation]:
    ops = list(MUTATORS)
    weights = [WEIGHTS.get(op, 1.0) for op in ops]
    n = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
    return [Mutation(rng.choices(ops, weights)[0], rng.randrange(2**32)) for _ in range(n)]


# ---------------------------------------------------------------------------------------------------
# what a report must satisfy
# ---------------------------------------------------------------------------------------------------
def non_finite(value: Any, path: str = "$") -> list[str]:
    """Paths of the NaN and infinite numbers in parsed JSON."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in non_finite(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in non_finite(v, f"{path}[{i}]")]
    return []


def _close(a: float, b: float, n: int) -> bool:
    """Equal up to the report's rounding (3 decimals on each of `n` summed values)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0005 * (n + 1) + 1e-9)


def report_problems(doc: dict[str, Any]) -> list[str]:
    """What is wrong with a JSON report: non-finite numbers, and totals that are not the sums of their
    parts (stages of the total, lines of each module, modules of each material's subtotal)."""
    found = [f"non-finite number at {p}" for p in non_finite(doc)]
    if found:
        return found
    totals = doc["totals"]
    stages = [v for v in totals["stages"].values() if v is not None]
    netted = any(s.get("switch") == "include_module_d" and s.get("value") for s in doc["scope"]["switches"])
    d = totals["modules"].get("D")
    expected = sum(stages) + (d if netted and d is not None else 0.0)
    total = totals["total_kgco2e"]
    if total is None:
        if stages:
            found.append(f"total_kgco2e is null but stages are {stages}")
    elif not _close(total, expected, len(stages) + 1):
        found.append(f"total_kgco2e {total} != sum of stages {expected}")
    for module, value in totals["modules"].items():
        parts = [
            line["kgco2e"]
            for line in doc["lines"]
            if line["module"] == module and not line["separate"] and line["kgco2e"] is not None
        ]
        if value is not None and not _close(value, sum(parts), len(parts)):
            found.append(f"module {module} {value} != sum of its {len(parts)} lines {sum(parts)}")
    for row in doc["materials"]:
        mods = row["modules"]
        subtotal = row["total_kgco2e"]
        if subtotal is None:
            continue
        parts = [mods.get(k) or 0.0 for k in ("A1-A3", "A4")]
        if not _close(subtotal, sum(parts), 2):
            found.append(f"material {row['material']!r}: subtotal {subtotal} != A1-A3 + A4 {sum(parts)}")
    return found


# ---------------------------------------------------------------------------------------------------
# running one case and judging it
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Run:
    returncode: int | None  # None: killed at the timeout; negative: killed by that signal
    stdout: str
    stderr: str
    seconds: float
    leftovers: tuple[str, ...]  # *.part files left in the output folder
    outdir: Path


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    kind: str  # ok: "report" or "rejected"; failures: "traceback", "hang", "signal", "exit", ...
    signature: str  # the same failure has the same signature
    detail: str


def command(case: Path, outdir: Path, formats: str, *, executable: str = "python") -> list[str]:
    return [
        executable, "-m", "embodied", "report", str(case), "-o", str(outdir), "--format", formats,
        "--threads", "1",
    ]  # fmt: skip


def _limit_child() -> None:
    """In the child: at most MEMORY_LIMIT of address space, its own process group."""
    os.setpgid(0, 0)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # the product's own guard stops a stalled geometry kernel first: only a hang elsewhere is a hang
    env["EMBODIED_GEOMETRY_TIMEOUT"] = str(GEOMETRY_TIMEOUT)
    env.pop("EMBODIED_DEBUG", None)
    return env


def _leftovers(outdir: Path) -> tuple[str, ...]:
    if not outdir.is_dir():
        return ()
    return tuple(sorted(n for n in os.listdir(outdir) if n.endswith(".part")))


def run_cli(case: Path, outdir: Path, formats: str, timeout: float) -> Run:
    """`python -m embodied report` in a child process, as a user runs it."""
    start = time.monotonic()
    proc = subprocess.Popen(
        command(case, outdir, formats, executable=sys.executable),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_env(),
        cwd=outdir.parent,
        preexec_fn=_limit_child,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    return Run(
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - start,
        _leftovers(outdir),
        outdir,
    )


def run_forked(case: Path, outdir: Path, formats: str, timeout: float) -> Run:
    """The same command, run by a child forked from this process (embodied already imported)."""
    _preload()

    logs = outdir.parent
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            _limit_child()
            for fd, path in ((1, out_path), (2, err_path)):
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(handle, fd)
                os.close(handle)
            os.environ.update(_child_env())
            from embodied.cli import app

            args = command(case, outdir, formats)[3:]
            try:
                app(args=args, prog_name="embodied")
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
                code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    deadline = start + timeout
    status: int | None = None
    while True:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = raw
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.02)
    code: int | None = None if status is None else os.waitstatus_to_exitcode(status)
    return Run(code, _read(out_path), _read(err_path), time.monotonic() - start, _leftovers(outdir), outdir)


def _read(path: Path) -> str:
    return path.read_text("utf-8", "replace") if path.exists() else ""


@functools.cache
def _preload() -> None:
    """Import the command and its renderers once, before the first fork (each case starts warm)."""
    import importlib

    for name in ("embodied.cli", *(module for _, module in _renderers())):
        importlib.import_module(name)


def _renderers() -> list[tuple[str, str]]:
    from embodied.report import RENDERERS

    return list(RENDERERS.values())


_OURS = re.compile(r'"(?:[^"]*/)?embodied/')


def _traceback_signature(stderr: str) -> str:
    """'<exception type> at <innermost embodied frame>' of the last traceback in `stderr`."""
    tail = stderr[stderr.rfind(TRACEBACK) :].splitlines()
    frames = [line.strip() for line in tail if line.strip().startswith('File "')]
    ours = [f for f in frames if _OURS.search(f) and "site-packages" not in f] or frames
    where = ""
    if ours:
        m = re.match(r'File "([^"]+)", line \d+, in (\S+)', ours[-1])
        if m:
            where = f"{Path(m.group(1)).name}:{m.group(2)}"
    # the exception line: the first unindented line after the header (talk may follow it)
    last = next((line for line in tail[1:] if line.strip() and not line[0].isspace()), "")
    exception = last.split(":", 1)[0].strip()
    return f"{exception} at {where}" if where else exception


def _short_paths(line: str) -> str:
    """A traceback line without this machine's folders."""
    line = re.sub(r'"[^"]*/site-packages/', '"site-packages/', line)
    return line.replace(str(REPO) + "/", "")


def _normalise(text: str) -> str:
    """A message with its numbers and quoted names taken out, for grouping."""
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"#?\d+(\.\d+)?", "N", text)
    return text[:80]


def classify(run: Run, formats: str, stem: str) -> Outcome:
    """Judge a run by the rules in the module docstring."""
    err_lines = [line for line in run.stderr.splitlines() if line.strip()]
    if run.returncode is None:
        return Outcome(False, "hang", "hang", f"no exit after {run.seconds:.0f} s")
    if run.returncode < 0:
        name = signal.Signals(-run.returncode).name
        return Outcome(False, "signal", f"signal {name}", f"killed by {name}")
    if TRACEBACK in run.stderr:
        sig = _traceback_signature(run.stderr)
        return Outcome(False, "traceback", f"traceback {sig}", f"exit {run.returncode}, traceback: {sig}")
    if run.leftovers:
        return Outcome(False, "leftover", "leftover .part", f"left behind: {', '.join(run.leftovers)}")
    if run.returncode == 2:
        if len(err_lines) == 1 and err_lines[0].startswith(ERROR_PREFIX):
            return Outcome(True, "rejected", "rejected", err_lines[0])
        extra = [line for line in err_lines if not line.startswith(ERROR_PREFIX)]
        sig = "error output: " + (_normalise(extra[0]) if extra else f"{len(err_lines)} error lines")
        return Outcome(False, "stderr", sig, f"exit 2 with {len(err_lines)} stderr lines")
    if run.returncode != 0:
        message = _normalise(err_lines[-1]) if err_lines else ""
        return Outcome(False, "exit", f"exit {run.returncode} {message}", f"exit {run.returncode}")
    missing = [f for f in formats.split(",") if not (run.outdir / f"{stem}.{f}").is_file()]
    if missing:
        return Outcome(False, "missing", "missing report", f"exit 0 but no {', '.join(missing)}")
    path = run.outdir / f"{stem}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return Outcome(False, "json", "unreadable JSON", f"{path.name}: {exc}")
    problems = report_problems(doc)
    if problems:
        kind = "nonfinite" if problems[0].startswith("non-finite") else "accounting"
        return Outcome(False, kind, f"{kind}: {_normalise(problems[0])}", "; ".join(problems[:3]))
    return Outcome(True, "report", "report", f"{len(doc['elements'])} element rows")


# ---------------------------------------------------------------------------------------------------
# seeds
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Seed:
    name: str
    data: bytes


def build_generated(folder: Path) -> list[Path]:
    """Small models built with tests/modelkit.py, one per schema and unit system."""
    import modelkit as mk

    paths = []
    m = mk.new_model("IFC4", "MILLIMETRE", project="Fuzz 1")
    mk.material(m, "C30混凝土", density=2400.0)
    wall = mk.add_wall(m, [("水泥砂浆", 0.02), ("加气混凝土砌块", 0.2)], size=(5.0, 3.0), name="W1")
    mk.add_window(m, wall, "铝合金窗", size=(1.2, 1.5), at=(1.0, 0.9), name="Win1")
    mk.add_slab(m, "C30混凝土", size=(6.0, 4.0, 0.2), name="S1", quantities=True)
    paths.append(mk.save(m, folder / "kit_ifc4_mm.ifc", seed="fuzz-1"))

    m = mk.new_model("IFC4", "METRE", project="Fuzz 2")
    shape = mk.IShape(depth=0.3, width=0.15, web=0.0065, flange=0.009, name="HN300×150")
    mk.add_beam(m, "Q355钢", shape, length=6.0, name="B1", quantities=True)
    mk.add_column(
        m,
        [mk.Constituent("C40混凝土", 0.95), mk.Constituent("HRB400钢筋", 0.05)],
        size=(0.4, 0.4, 3.0),
        name="C1",
    )
    roof = [
        mk.add_slab(m, "C30混凝土", size=(3.0, 4.0, 0.15), name=f"R{i}", predefined_type="ROOF")
        for i in (1, 2)
    ]
    mk.add_aggregate(m, "IfcRoof", roof, name="Roof")
    paths.append(mk.save(m, folder / "kit_ifc4_m.ifc", seed="fuzz-2"))

    m = mk.new_model("IFC2X3", "FOOT", project="Fuzz 3")
    mk.add_wall(m, [("砖", 0.24)], size=(4.0, 3.0), name="W2", quantities=True)
    mk.add_box(m, "IfcBuildingElementProxy", None, size=(1.0, 1.0, 1.0), name="P1")
    paths.append(mk.save(m, folder / "kit_ifc2x3_ft.ifc", seed="fuzz-3"))

    m = mk.new_model("IFC4X3", "MILLIMETRE", project="Fuzz 4")
    column_type = mk.add_type(m, "IfcColumnType", "CT1", "C30混凝土")
    mk.add_column(m, None, size=(0.5, 0.5, 3.0), name="C2", element_type=column_type)
    wall = mk.add_wall(m, [("C30混凝土", 0.2)], size=(3.0, 3.0), name="W3")
    mk.add_door(m, wall, "木门", size=(0.9, 2.1), at=1.0, name="D1")
    paths.append(mk.save(m, folder / "kit_ifc4x3_mm.ifc", seed="fuzz-4"))
    return paths


def load_seeds(folder: Path, *, shared: bool = True) -> list[Seed]:
    paths = [SAMPLE, *build_generated(folder)]
    if shared and SHARED_SMALL.is_dir():
        paths += sorted(p for p in SHARED_SMALL.glob("*.ifc") if p.stat().st_size <= MAX_SEED_BYTES)
    return [Seed(p.name, p.read_bytes()) for p in paths]


# ---------------------------------------------------------------------------------------------------
# the campaign
# ---------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Finding:
    signature: str
    path: Path | None
    seen: int = 1
    sidecar: dict[str, Any] = field(default_factory=dict)


class Fuzzer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = Path(tempfile.mkdtemp(prefix="embodied-fuzz-"))
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.seeds = load_seeds(self.work / "seeds", shared=not args.no_shared)
        self.findings: dict[str, Finding] = {}
        self.outcomes: Counter[str] = Counter()
        self.by_op: Counter[str] = Counter()
        self.cases = 0
        self._load_existing()

    def log(self, text: str) -> None:
        print(f"[{dt.datetime.now():%H:%M:%S}] {text}", flush=True)

    def _load_existing(self) -> None:
        """Failures already in OUT are not saved again (their signature is known)."""
        for sidecar in sorted(self.out.glob("*.json")):
            try:
                data = json.loads(sidecar.read_text(encoding="utf-8"))
            except ValueError:
                continue
            if "signature" in data:
                path = sidecar.with_suffix(".ifc")
                self.findings[data["signature"]] = Finding(data["signature"], path, 0, data)

    def execute(self, data: bytes, formats: str, *, exec_mode: bool | None = None) -> tuple[Run, Outcome]:
        case_dir = self.work / "case"
        shutil.rmtree(case_dir, ignore_errors=True)
        (case_dir / "out").mkdir(parents=True)
        case = case_dir / "case.ifc"
        case.write_bytes(data)
        use_exec = self.args.exec if exec_mode is None else exec_mode
        runner = run_cli if use_exec else run_forked
        run = runner(case, case_dir / "out", formats, self.args.timeout)
        return run, classify(run, formats, case.stem)

    def formats_for(self, index: int) -> str:
        every = self.args.pdf_every
        return BASE_FORMATS + (",pdf" if every and index % every == 0 else "")

    def campaign(self) -> int:
        limit = time.monotonic() + self.args.minutes * 60
        mode = "exec" if self.args.exec else "fork"
        self.log(
            f"fuzzing for {self.args.minutes} min, rng seed {self.args.seed}, {len(self.seeds)} seeds, "
            f"mode {mode}, timeout {self.args.timeout:.0f} s, pdf every {self.args.pdf_every}, out {self.out}"
        )
        self.log("seeds: " + ", ".join(f"{s.name} ({len(s.data) // 1024} KB)" for s in self.seeds))
        started = time.monotonic()
        while time.monotonic() < limit and (not self.args.cases or self.cases < self.args.cases):
            self.cases += 1
            seed = self.rng.choice(self.seeds)
            mutations = random_mutations(self.rng)
            data, what = mutate(seed.data, mutations)
            formats = self.formats_for(self.cases)
            for m in mutations:
                self.by_op[m.op] += 1
            run, outcome = self.execute(data, formats)
            self.outcomes[outcome.signature] += 1
            if not outcome.ok:
                self.log(
                    f"case {self.cases}: FAIL {outcome.signature} | {seed.name} | "
                    + " | ".join(what)
                    + f" | {outcome.detail} ({run.seconds:.1f} s)"
                )
                self.record(seed, mutations, data, formats, run, outcome)
            elif self.args.verbose:
                self.log(
                    f"case {self.cases}: {outcome.kind} {seed.name} | "
                    + " | ".join(what)
                    + f" ({run.seconds:.1f} s)"
                )
            if self.cases % 25 == 0:
                rate = self.cases / (time.monotonic() - started)
                self.log(f"{self.cases} cases ({rate:.2f}/s): {dict(self.outcomes.most_common(8))}")
        self.summary(time.monotonic() - started)
        shutil.rmtree(self.work, ignore_errors=True)
        return 0

    def one(self, spec: str) -> int:
        """Run the case `spec` names (see --case); keep it like a campaign's failure."""
        name, _, ops = spec.partition(":")
        seed = next((s for s in self.seeds if s.name == name), None)
        if seed is None:
            raise SystemExit(f"no seed model {name!r}: {', '.join(s.name for s in self.seeds)}")
        mutations = [Mutation(op, int(n)) for op, n in (item.split(":") for item in ops.split(",") if item)]
        data, what = mutate(seed.data, mutations)
        run, outcome = self.execute(data, BASE_FORMATS)
        self.log(f"{spec}: {'ok' if outcome.ok else 'FAIL'} {outcome.signature} | {' | '.join(what)}")
        if not outcome.ok:
            self.record(seed, mutations, data, BASE_FORMATS, run, outcome)
        shutil.rmtree(self.work, ignore_errors=True)
        return 0 if outcome.ok else 1

    def record(
        self, seed: Seed, mutations: list[Mutation], data: bytes, formats: str, run: Run, outcome: Outcome
    ) -> None:
        known = self.findings.get(outcome.signature)
        if known is not None and known.seen == 0 and known.path is not None and known.path.exists():
            # kept by an earlier campaign: if that file passes now, this is another bug in the same place
            formats_then = str(known.sidecar.get("formats", BASE_FORMATS))
            if self.execute(known.path.read_bytes(), formats_then)[1].ok:
                self.log(f"  {known.path.name} (same signature) passes now: this is a new failure")
                del self.findings[outcome.signature]
                known = None
        if known is not None:
            known.seen += 1
            if known.path is not None and known.path.exists() and known.sidecar:
                known.sidecar["seen_in_last_campaign"] = known.seen
                known.path.with_suffix(".json").write_text(
                    json.dumps(known.sidecar, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
                )
            return
        minimised, data, what, formats, run, outcome = self.minimise(
            seed, mutations, data, formats, run, outcome
        )
        # confirm with the real command (fresh Python), as the replay test will run it
        confirm_run, confirm = self.execute(data, formats, exec_mode=True)
        confirmed = not confirm.ok and confirm.signature == outcome.signature
        if not confirm.ok and not confirmed:
            self.log(f"  confirmed with a fresh python as another failure: {confirm.signature}")
            outcome, run, confirmed = confirm, confirm_run, True
        finding = Finding(outcome.signature, None)
        self.findings[outcome.signature] = finding
        saved = len(list(iter_found(self.out)))
        if not confirmed:
            self.log("  NOT reproduced by `python -m embodied` in a fresh process: not saved")
            return
        if saved >= self.args.max_saved or len(data) > MAX_FILE_BYTES:
            self.log(f"  not saved ({saved} files already, or {len(data)} bytes)")
            return
        digest = hashlib.sha256(data).hexdigest()[:16]
        path = self.out / f"{digest}.ifc"
        path.write_bytes(data)
        stderr_lines = run.stderr.splitlines()
        tb_at = run.stderr.rfind(TRACEBACK)
        sidecar = {
            "file": path.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "seed_model": seed.name,
            "mutations": [
                {"op": m.op, "seed": m.seed, "did": d} for m, d in zip(minimised, what, strict=True)
            ],
            "command": " ".join(command(Path(path.name), Path("OUT"), formats)),
            "formats": formats,
            "outcome": outcome.kind,
            "signature": outcome.signature,
            "detail": outcome.detail,
            "returncode": run.returncode,
            "seconds": round(run.seconds, 2),
            "stderr_tail": [_short_paths(line) for line in stderr_lines[-6:]],
            "traceback": [_short_paths(line) for line in run.stderr[tb_at:].splitlines()[-30:]]
            if tb_at >= 0
            else None,
            "minimised": {"from_mutations": len(mutations), "to_mutations": len(minimised)},
            "found": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "fuzzer_rng_seed": self.args.seed,
            "seen_in_last_campaign": 1,
        }
        path.with_suffix(".json").write_text(
            json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
        finding.path, finding.sidecar = path, sidecar
        self.log(f"  saved {path} ({len(data)} bytes, {len(minimised)} mutation(s))")

    def minimise(
        self, seed: Seed, mutations: list[Mutation], data: bytes, formats: str, run: Run, outcome: Outcome
    ) -> tuple[list[Mutation], bytes, list[str], str, Run, Outcome]:
        """The smallest single mutation failing the same way, else the original (cheap: one run each)."""
        best = (mutations, data, mutate(seed.data, mutations)[1], run, outcome)
        if len(mutations) > 1:
            for mutation in sorted(mutations, key=lambda m: len(mutate(seed.data, [m])[0])):
                one, what = mutate(seed.data, [mutation])
                one_run, one_outcome = self.execute(one, formats)
                if one_outcome.signature == outcome.signature:
                    best = ([mutation], one, what, one_run, one_outcome)
                    break
        # a PDF-only failure keeps pdf; otherwise a failure without it is cheaper to replay
        mutations, data, what, run, outcome = best
        if formats != BASE_FORMATS:
            lean_run, lean = self.execute(data, BASE_FORMATS)
            if lean.signature == outcome.signature:
                formats = BASE_FORMATS
                run, outcome = lean_run, lean
        return mutations, data, what, formats, run, outcome

    def summary(self, seconds: float) -> None:
        self.log(f"done: {self.cases} cases in {seconds / 60:.1f} min ({self.cases / max(seconds, 1):.2f}/s)")
        self.log(f"mutations used: {dict(self.by_op.most_common())}")
        for signature, count in self.outcomes.most_common():
            finding = self.findings.get(signature)
            where = f" -> {finding.path}" if finding is not None and finding.path is not None else ""
            self.log(f"  {count:5d}  {signature}{where}")
        failed = {s: c for s, c in self.outcomes.items() if s not in ("report", "rejected")}
        self.log(f"failures: {sum(failed.values())} cases, {len(failed)} distinct")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz (default 10)")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "bad_inputs" / "found")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case is a hang")
    parser.add_argument("--pdf-every", type=int, default=20, help="add pdf to every Nth case (0: never)")
    parser.add_argument("--max-saved", type=int, default=20, help="at most this many files in OUT")
    parser.add_argument("--cases", type=int, default=0, help="stop after this many cases (0: no limit)")
    parser.add_argument("--exec", action="store_true", help="start `python -m embodied` for every case")
    parser.add_argument("--no-shared", action="store_true", help="do not use ../shared/ifc/small seeds")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every case")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="only re-run the files in OUT with `python -m embodied`, say how",
    )
    parser.add_argument(
        "--case",
        help="run (and keep, if it fails) one case, SEED_MODEL:OP:N[,OP:N...], e.g. kit_ifc4_mm.ifc:number:3",
    )
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = int(time.time())
    sys.path.insert(0, str(REPO))
    # the test-model builder, tests/modelkit.py, is not in the package: import it from the tests folder
    sys.path.insert(0, str(REPO / "tests"))
    if args.replay:
        return replay(Path(args.out), args.timeout)
    if args.case:
        return Fuzzer(args).one(args.case)
    return Fuzzer(args).campaign()


def replay(folder: Path, timeout: float) -> int:
    """Re-run every kept input; a sidecar of one that still fails gets its current outcome."""
    failing = 0
    for path in iter_found(folder):
        sidecar = path.with_suffix(".json")
        meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        formats = meta.get("formats", BASE_FORMATS)
        with tempfile.TemporaryDirectory(prefix="embodied-replay-") as tmp:
            case = Path(tmp) / path.name
            shutil.copyfile(path, case)
            run = run_cli(case, Path(tmp) / "out", formats, timeout)
            outcome = classify(run, formats, case.stem)
        print(f"{path.name}: {'ok' if outcome.ok else 'FAIL'} {outcome.signature} ({run.seconds:.1f} s)")
        if outcome.ok:
            continue
        failing += 1
        if meta:
            tb_at = run.stderr.rfind(TRACEBACK)
            meta.update(
                signature=outcome.signature,
                outcome=outcome.kind,
                detail=outcome.detail,
                returncode=run.returncode,
                stderr_tail=[_short_paths(line) for line in run.stderr.splitlines()[-6:]],
                traceback=[_short_paths(line) for line in run.stderr[tb_at:].splitlines()[-30:]]
                if tb_at >= 0
                else None,
            )
            sidecar.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{failing} of {len(list(iter_found(folder)))} still fail")
    return 1 if failing else 0


def iter_found(folder: Path) -> Iterator[Path]:
    """The saved failing inputs of a folder, in name order."""
    yield from sorted(folder.glob("*.ifc")) if folder.is_dir() else iter(())


if __name__ == "__main__":
    raise SystemExit(main())
