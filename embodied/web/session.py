"""One open model in `embodied serve`: its take-off run in the background (progress as elements done /
total), then the calculation and report model, recalculated from the cached take-off after each edit
of the mapping or the project file. Everything goes through `embodied.pipeline`; the page reads the
report model.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from embodied import pipeline
from embodied.errors import EmbodiedError
from embodied.pipeline import Calculation, ElementCarbon, MemoryCache, Readiness, ReportModel
from embodied.web.workspace import Workspace

log = logging.getLogger("embodied.serve")
State = Literal["idle", "running", "ready", "error"]


@dataclass(frozen=True, slots=True)
class Status:
    state: State
    phase: str
    done: int
    total: int
    error: str | None
    recalc_ms: float | None  # the last recalculation after an edit (from the cached take-off)
    load_ms: float | None  # the first calculation: take-off, check and report model


def one_line(error: BaseException) -> str:
    """What the page shows of an error: the CLI's one line for ours, never a traceback for others."""
    if isinstance(error, EmbodiedError):
        return error.one_line()
    log.exception("internal error")  # the traceback goes to the server's console only
    return f"internal error ({type(error).__name__}); the server's console has the details"


class ModelSession:
    def __init__(self, workspace: Workspace, name: str, cache: MemoryCache) -> None:
        self.workspace = workspace
        self.name = name
        self.path = workspace.model(name)
        self.cache = cache
        self.lock = threading.RLock()
        self._state: State = "idle"
        self._phase, self._done, self._total = "", 0, 0
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self.readiness: Readiness | None = None
        self.calc: Calculation | None = None
        self._reports: dict[str, ReportModel] = {}
        self._elements: dict[str, ElementCarbon] | None = None
        self.recalc_ms: float | None = None
        self.load_ms: float | None = None
        self._stamp: tuple[int, int] | None = None  # the model file's size and mtime when read

    # --- state ----------------------------------------------------------------------------------
    def status(self) -> Status:
        with self.lock:
            return Status(
                self._state, self._phase, self._done, self._total, self._error, self.recalc_ms, self.load_ms
            )

    def start(self, again: bool = False) -> None:
        """Take off and calculate in the background: once, then again only when asked (`again`) or
        when the model file has changed since (a model exported anew under the same name)."""
        with self.lock:
            changed = self._state == "ready" and self._stamp != _stamp(self.path)
            if self._state == "running" or (self._state != "idle" and not again and not changed):
                return
            self._stamp = _stamp(self.path)
            self._state, self._error = "running", None
            self._phase, self._done, self._total = "reading", 0, 0
            self._thread = threading.Thread(target=self._load, name=f"load {self.name}", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> Status:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()

    def _progress(self, phase: str, done: int, total: int) -> None:
        with self.lock:
            self._phase, self._done, self._total = phase, done, total

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            pipeline.run_takeoff(self.path, on_progress=self._progress, cache=self.cache)
            self._progress("checking", 0, 0)
            readiness = pipeline.run_check(self.path)
            self._progress("calculating", 0, 0)
            with self.lock:
                self.readiness = readiness
            self.recalculate()
            with self.lock:
                self._state = "ready"
                self.load_ms = (time.perf_counter() - started) * 1000
        except BaseException as error:
            with self.lock:
                self._state, self._error = "error", one_line(error)

    # --- results --------------------------------------------------------------------------------
    def recalculate(self) -> float:
        """The calculation again from the cached take-off, with the folder's embodied.toml and the
        model's mapping file as they are now (what `embodied report MODEL --mapping FILE` reads).
        Returns the time it took in ms; an error leaves the last good result in place and is raised."""
        started = time.perf_counter()
        calc = pipeline.run_calculate(
            self.path, mapping_path=self.workspace.existing_mapping(self.name), cache=self.cache
        )
        with self.lock:
            self.calc = replace(calc, readiness=self.readiness)
            self._reports = {}
            self._elements = None
            self.report()  # the default language now, so that the time below is the whole recalculation
            self.recalc_ms = (time.perf_counter() - started) * 1000
            return self.recalc_ms

    def ready(self) -> Calculation:
        with self.lock:
            if self.calc is None:
                raise EmbodiedError(f"{self.name}: not calculated yet", hint="open the model first")
            return self.calc

    def report(self, lang: str = "zh+en") -> ReportModel:
        with self.lock:
            calc = self.ready()
            if lang not in self._reports:
                self._reports[lang] = pipeline.report_model(calc, lang)
            return self._reports[lang]

    def elements(self) -> dict[str, ElementCarbon]:
        with self.lock:
            if self._elements is None:
                self._elements = pipeline.element_carbon(self.ready())
            return self._elements

    def element_parts(self, global_id: str) -> dict[int, float]:
        return pipeline.element_materials(self.ready(), global_id)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


class Sessions:
    """The open models of one server, by name."""

    def __init__(self, workspace: Workspace, cache_dir: Path | None) -> None:
        self.workspace = workspace
        self.cache = MemoryCache(cache_dir)
        self._open: dict[str, ModelSession] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> ModelSession:
        """The session of `name`, opened (the name looked up among the folder's models) when first
        asked for."""
        with self._lock:
            session = self._open.get(name)
            if session is None:
                session = ModelSession(self.workspace, name, self.cache)
                self._open[name] = session
            return session

    def state(self, name: str) -> State:
        """The state of `name`: "idle" when it was never opened (and nothing is opened to say so)."""
        with self._lock:
            session = self._open.get(name)
        return session.status().state if session is not None else "idle"

    def recalculate_all(self) -> None:
        """After the project file changed: every calculated model again (its take-off is cached)."""
        with self._lock:
            sessions = [s for s in self._open.values() if s.calc is not None]
        for session in sessions:
            session.recalculate()
