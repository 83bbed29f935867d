"""Every case of the bad-input corpus (tests/bad_inputs/cases.json, written by make_corpus.py) run
through the real command line, in a child process with a time-out, against its expected outcome and
the rules every run keeps: no traceback, no hang; an error is exactly one stderr line starting
"embodied: error:", exit 2, with nothing on stdout; a failure leaves the earlier report unchanged
and no ``*.part`` file; a success replaces it with a JSON whose numbers are all finite, where no
material or element of unknown quantity shows 0 and no module is 0 without a line behind it; no run
writes outside its output folder.

The cases run in parallel (a thread per core and one more, each waiting on a child process) once,
in a session fixture, before the first case is checked; each case is then its own test.

Failing disks are simulated by a shim (``bad_input_shim``, written to a temporary folder put on
PYTHONPATH) that patches the process before it runs ``embodied.cli.app``: ENOSPC makes every file
opened for writing in the output folder fail after 4 kB (optionally only the files whose name holds
a given text); EACCES refuses every file and folder created there and makes ``os.access`` say so
(or, with ``access``, lets it say the folder is writable, as ACLs and network folders can). A
read-only folder is made with chmod 555, except as root (CI runs as root), where the permission bits
do not stop writes and the EACCES shim stands in for them.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "bad_inputs"
SHIPPED_DB = HERE.parent / "material_db"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))["cases"]
BY_ID = {c["id"]: c for c in CASES}
PREVIOUS = "previous report, which a failed run must leave as it is\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

SHIM = '''
"""Make writes into one folder fail, as a full disk or a read-only folder would, then run embodied."""
import builtins, errno, io, os, sys

FOLDER = os.path.realpath(os.environ["BAD_INPUT_SHIM_DIR"])
CODE = getattr(errno, os.environ["BAD_INPUT_SHIM_ERRNO"])
MATCH = os.environ.get("BAD_INPUT_SHIM_MATCH", "")
BUDGET = 4096  # ENOSPC: bytes written to a file before the disk is full
ACCESS_SAYS_YES = os.environ.get("BAD_INPUT_SHIM_ACCESS") == "true"  # EACCES: os.access tells the truth


def _hit(path):
    try:
        real = os.path.realpath(os.fspath(path))
    except TypeError:  # a file descriptor
        return False
    return (real == FOLDER or real.startswith(FOLDER + os.sep)) and MATCH in os.path.basename(real)


def _fail(path=None):
    raise OSError(CODE, os.strerror(CODE), *([os.fspath(path)] if path is not None else []))


class _Filling:
    """A file whose writes fail with ENOSPC once BUDGET bytes are written."""

    def __init__(self, fh):
        self._fh, self._written = fh, 0

    def write(self, data):
        self._written += len(data)
        if self._written > BUDGET:
            _fail()
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __iter__(self):
        return iter(self._fh)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


_open, _os_open, _access, _mkdir = io.open, os.open, os.access, os.mkdir
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def open_(file, mode="r", *args, **kwargs):
    writing = any(c in mode for c in "wax+")
    if writing and _hit(file):
        if CODE == errno.EACCES:
            _fail(file)
        return _Filling(_open(file, mode, *args, **kwargs))
    return _open(file, mode, *args, **kwargs)


def os_open(path, flags, *args, **kwargs):
    if CODE == errno.EACCES and flags & _WRITING and _hit(path):
        _fail(path)
    return _os_open(path, flags, *args, **kwargs)


def access(path, mode, *args, **kwargs):
    if CODE == errno.EACCES and mode & os.W_OK and _hit(path) and not ACCESS_SAYS_YES:
        return False
    return _access(path, mode, *args, **kwargs)


def mkdir(path, *args, **kwargs):
    if CODE == errno.EACCES and _hit(path):
        _fail(path)
    return _mkdir(path, *args, **kwargs)


def main():
    builtins.open = io.open = open_
    os.open, os.access, os.mkdir = os_open, access, mkdir
    from embodied.cli import app

    sys.argv[0] = "embodied"
    app(prog_name="embodied")
'''


@dataclass(frozen=True)
class Run:
    case: dict[str, Any]
    root: Path  # the run's temporary folder: case/, out/ (and db/, shim/)
    argv: list[str]
    returncode: int | None  # None: killed after the time-out
    stdout: str
    stderr: str
    seconds: float
    before: frozenset[str]  # files under root (out/ aside) before the run

    def fill(self, text: str) -> str:
        return fill(text, self.root)


def fill(text: str, root: Path) -> str:
    return (
        text.replace("{case}", str(root / "case"))
        .replace("{out}", str(root / "out"))
        .replace("{db}", str(root / "db"))
    )


def _files(root: Path) -> frozenset[str]:
    return frozenset(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.parts[len(root.parts)] != "out"
    )


def _corpus_module() -> Any:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prepare(case: dict[str, Any], root: Path) -> tuple[list[str], dict[str, str]]:
    """Copy the case's folder, put the earlier report in place, build what is generated; the argv
    and environment of the run."""
    source = CORPUS / "cases" / case["id"]
    if source.exists():
        shutil.copytree(source, root / "case")
    (root / "case").mkdir(exist_ok=True)
    (root / "out").mkdir()
    if case.get("generate"):
        getattr(_corpus_module(), case["generate"])(root / "case" / "many.ifc")
    if any("{db}" in a for a in case["args"]):
        shutil.copytree(SHIPPED_DB, root / "db")
        overlay = root / "case" / "material_db"
        for path in overlay.rglob("*"):
            if path.is_file():
                shutil.copyfile(path, root / "db" / path.relative_to(overlay))
    if case["report"]:
        Path(fill(case["report"], root)).write_text(PREVIOUS, encoding="utf-8")
    env = dict(os.environ)
    env.pop("EMBODIED_DEBUG", None)
    env.update(case.get("env", {}))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    args = [fill(a, root) for a in case["args"]]
    argv = [sys.executable, "-m", "embodied", *args]
    shim = case.get("shim")
    if case.get("read_only_out") and not IS_ROOT:
        os.chmod(root / "out", 0o555)
        shim = None
    if shim:
        (root / "shim").mkdir()
        (root / "shim" / "bad_input_shim.py").write_text(textwrap.dedent(SHIM), encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join([str(root / "shim"), env["PYTHONPATH"]])
        env["BAD_INPUT_SHIM_DIR"] = fill(shim["dir"], root)
        env["BAD_INPUT_SHIM_ERRNO"] = shim["errno"]
        env["BAD_INPUT_SHIM_MATCH"] = shim.get("match", "")
        env["BAD_INPUT_SHIM_ACCESS"] = shim.get("access", "")
        argv = [sys.executable, "-c", "import bad_input_shim; bad_input_shim.main()", *args]
    return argv, env


def run_case(case: dict[str, Any], base: Path) -> Run:
    root = Path(tempfile.mkdtemp(prefix=f"{case['id']}-", dir=base))
    argv, env = _prepare(case, root)
    before = _files(root)
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=root, start_new_session=True
    )
    try:
        out, err = child.communicate(timeout=case.get("timeout_s", 60))
        code: int | None = child.returncode
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the geometry runs in a child of the child
        out, err = child.communicate()
        code = None
    seconds = time.perf_counter() - started
    os.chmod(root / "out", 0o755)
    text = (out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    return Run(case, root, argv, code, text[0], text[1], seconds, before)


@pytest.fixture(scope="session")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Run]]:
    """Every selected case, run once, in parallel; the slowest first."""
    wanted = [
        item.callspec.params["case_id"]
        for item in request.session.items
        if hasattr(item, "callspec") and "case_id" in item.callspec.params
    ]
    ordered = sorted(dict.fromkeys(wanted), key=lambda i: -BY_ID[i].get("timeout_s", 60))
    base = tmp_path_factory.mktemp("bad_inputs")
    workers = (os.cpu_count() or 2) + 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        done = dict(zip(ordered, pool.map(lambda i: run_case(BY_ID[i], base), ordered), strict=True))
    yield done


# -- checks -------------------------------------------------------------------------------------------
def _no_nan(token: str) -> float:
    raise AssertionError(f"non-finite number {token} in the JSON")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_nan)


def numbers(node: Any, where: str = "$") -> Iterator[tuple[str, float]]:
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        yield where, float(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from numbers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from numbers(value, f"{where}[{index}]")


def lookup(doc: Any, path: list[Any]) -> Any:
    """Follow `path`: a key, a list index, or a dict of fields the first matching list item has."""
    node = doc
    for step in path:
        if isinstance(step, dict):
            matches = [x for x in node if all(x.get(k) == v for k, v in step.items())]
            assert matches, f"no item with {step} in {path}"
            node = matches[0]
        else:
            node = node[step]
    return node


def messages(doc: dict[str, Any]) -> list[str]:
    """The messages a reader is shown: a report's issues, defects and assumptions, or a take-off's
    or match's problems."""
    keys = ("issues", "defects", "assumptions", "problems")
    return [str(item.get("message", "")) for key in keys for item in doc.get(key) or ()]


def check_report_rules(doc: dict[str, Any]) -> None:
    """No number silently 0: a material or element of unknown quantity shows none, a module that is 0
    has lines behind it."""
    for where, value in numbers(doc):
        assert math.isfinite(value), f"{where} = {value}"
    for row in doc.get("rows", ()):  # a take-off: a row without a quantity has no volume and no mass
        if row["quantity_source"] == "none":
            assert row["volume_m3"] is None and row["mass_kg"] is None, row
    if "schema_version" not in doc:
        return
    for m in doc["materials"]:
        if m["quantity"] is None:
            assert m["total_kgco2e"] is None, m
            assert all(v is None for v in m["modules"].values()), m
    for e in doc["elements"]:
        if e["quantity_source"] == "none":
            assert e["volume_m3"] is None, e
    modules_with_lines = {line["module"] for line in doc["lines"] if line["kgco2e"] is not None}
    for module, value in doc["totals"]["modules"].items():
        assert value != 0 or module in modules_with_lines, f"module {module} is 0 with no line behind it"
    for stage, value in doc["totals"]["stages"].items():
        assert value != 0 or any(line["stage"] == stage for line in doc["lines"]), f"stage {stage} is 0"


def check_xlsx(path: Path, formula_absent: str | None) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path)  # not read-only: data_type tells formulas from text
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if formula_absent and cell.data_type == "f":
                    assert formula_absent not in str(cell.value), f"{sheet.title}!{cell.coordinate}"


def check_success(run: Run) -> None:
    expected = run.case["expected"]
    assert "embodied: error:" not in run.stderr, run.stderr
    report = Path(run.fill(run.case["report"]))
    assert report.read_bytes() != PREVIOUS.encode(), "the earlier report was not replaced"
    if report.suffix == ".json":
        doc = load_json(report)
        check_report_rules(doc)
        shown = messages(doc)
        if expected.get("issue_contains"):
            assert any(expected["issue_contains"] in m for m in shown), shown
        if expected.get("note_contains"):
            notes = [e.get("note", "") for e in doc.get("elements", doc.get("rows", []))]
            assert any(expected["note_contains"] in n for n in notes), notes
        for check in expected.get("checks", ()):
            value = lookup(doc, check["path"])
            if "approx" in check:
                assert value == pytest.approx(check["approx"], rel=1e-6), check
            if "equals" in check:
                assert value == check["equals"], check
            if "not_equals" in check:
                assert value != check["not_equals"], check
            if "is_null" in check:
                assert value is None, check
            if "length" in check:
                assert len(value) == check["length"], check
    out = run.root / "out"
    for text in expected.get("html_absent", ()):
        html = (out / report.with_suffix(".html").name).read_text(encoding="utf-8")
        assert text not in html, text
    if expected.get("xlsx") or expected.get("xlsx_formula_absent"):
        xlsx = Path(run.fill(expected["xlsx"])) if expected.get("xlsx") else report.with_suffix(".xlsx")
        check_xlsx(xlsx, expected.get("xlsx_formula_absent"))


def check_failure(run: Run) -> None:
    expected = run.case["expected"]
    lines = run.stderr.splitlines()
    if expected.get("one_line"):
        assert len(lines) == 1, f"{len(lines)} stderr lines:\n{run.stderr}"
    assert lines and lines[0].startswith("embodied: error: "), run.stderr
    for text in expected["stderr_contains"]:
        assert run.fill(text) in lines[0], (run.fill(text), lines[0])
    assert run.stdout == "", run.stdout
    if run.case["report"]:
        report = Path(run.fill(run.case["report"]))
        assert report.read_text(encoding="utf-8") == PREVIOUS, "the earlier report was changed"


def check(run: Run) -> None:
    expected = run.case["expected"]
    assert run.returncode is not None, f"no answer within {run.case.get('timeout_s', 60)} s: a hang"
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == expected["exit"], f"exit {run.returncode}, stderr:\n{run.stderr}"
    leftovers = [str(p) for p in run.root.rglob("*.part")]
    assert not leftovers, leftovers
    written_outside = _files(run.root) - run.before
    assert not written_outside, f"written outside the output folder: {sorted(written_outside)}"
    if expected["exit"] == 0:
        check_success(run)
    else:
        check_failure(run)


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case.get("known_bug"):
        marks.append(pytest.mark.xfail(reason=case["known_bug"], strict=True))
    name = f"{case['id']}-slow" if case.get("slow") else case["id"]
    return pytest.param(case["id"], marks=marks, id=name)


def test_corpus_is_large_small_and_current() -> None:
    """At least 40 cases, each with a description and an expected outcome, under 2 MB committed, and
    the files are what make_corpus.py writes (rerun it after changing it; never edit a case by hand)."""
    assert len(CASES) >= 40
    for case in CASES:
        assert case["description"] and case["expected"]["exit"] in (0, 2), case["id"]
    size = sum(p.stat().st_size for p in (CORPUS / "cases").rglob("*") if p.is_file())
    assert size < 2_000_000, size
    corpus = _corpus_module()
    cases, files = corpus.build()
    assert corpus.manifest_text(cases) == (CORPUS / "cases.json").read_text(encoding="utf-8")
    expected = {f"{case_id}/{name}": data for case_id, named in files.items() for name, data in named.items()}
    folder = CORPUS / "cases"
    committed = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    assert sorted(committed) == sorted(expected)
    for name, path in committed.items():
        assert path.read_bytes() == expected[name], name


@pytest.mark.parametrize("case_id", [_param(c) for c in CASES])
def test_bad_input(runs: dict[str, Run], case_id: str) -> None:
    """The case's expected outcome and the rules of every run (see the module docstring)."""
    check(runs[case_id])
