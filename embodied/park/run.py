"""A park of buildings on Dask: one task per building, the park report from their outcomes.

    result = run_park(["a.ifc", "b.ifc"], outdir=Path("out"), workers=2)   # a LocalCluster
    result = run_park([Path("site/")], scheduler="tcp://host:8786")        # an existing cluster
    result.report.total_kgco2e, result.failed, result.files

Each building is ``building_task(spec)``: the whole pipeline (``pipeline.run_calculate``), its report
(``report.build``) written to ``OUTDIR/buildings/<stem>.<format>``, and a small ``BuildingOutcome``
back. Any error of a building (an ``EmbodiedError`` with its one line, anything else with its type
and message, a worker that died) is that building's outcome, and the park goes on.

A worker forks a child for the geometry kernel (``takeoff.geometry``): the LocalCluster's worker
processes are started non-daemonic (``distributed.worker.daemon: False``), since a daemonic process
may have no children. On an existing cluster, start the workers the same way
(``DASK_DISTRIBUTED__WORKER__DAEMON=False``) or pass ``--no-geometry``; the models and OUTDIR must be
paths the workers can read and write.

The LocalCluster's workers are spawned processes that import the calling script again: a script
calling ``run_park`` needs the ``if __name__ == "__main__":`` guard, as for ``multiprocessing``.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from embodied import pipeline
from embodied import report as report_stage
from embodied.errors import EmbodiedError, InputError, OutputError
from embodied.park.config import ParkConfig, find_park_config
from embodied.park.model import BuildingOutcome, ParkReport, build_park
from embodied.park.render import PARK_FORMATS, write_park
from embodied.pipeline import MatchOptions, ReportModel, TakeoffOptions

if TYPE_CHECKING:
    from distributed import Client

MODEL_SUFFIXES = (".ifc", ".ifczip")
BUILDINGS_DIR = "buildings"  # OUTDIR/buildings/<stem>.<format>: each building's own reports
SCHEDULER_TIMEOUT_S = 10.0  # connecting to --scheduler (EMBODIED_SCHEDULER_TIMEOUT)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class BuildingSpec:
    """Everything a building task needs, picklable; paths absolute (a worker's folder may differ)."""

    model: str
    stem: str
    config: str | None
    outdir: str
    formats: tuple[str, ...]
    options: TakeoffOptions = field(default_factory=TakeoffOptions)
    match_options: MatchOptions = field(default_factory=MatchOptions)
    mapping: str | None = None
    packs: tuple[str, ...] = ()
    database: str | None = None
    lang: str = "zh+en"
    cache: bool = True  # reuse a cached take-off of the same model (embodied.cache), in the worker's cache


@dataclass(frozen=True, slots=True)
class ParkResult:
    report: ParkReport
    files: tuple[Path, ...]  # the park's own report files
    seconds: float  # wall time of the buildings (the Dask part), cluster start-up excluded
    workers: int  # workers of the cluster that ran them

    @property
    def outcomes(self) -> tuple[BuildingOutcome, ...]:
        return self.report.buildings

    @property
    def failed(self) -> tuple[BuildingOutcome, ...]:
        return self.report.failed


# -- one building ------------------------------------------------------------------------------------


def building_task(spec: BuildingSpec) -> BuildingOutcome:
    """Calculate one building and write its reports; every error becomes a failed outcome."""
    start = time.perf_counter()
    try:
        if spec.options.use_geometry and multiprocessing.current_process().daemon:
            raise InputError(
                "this Dask worker is a daemonic process, which cannot start the geometry kernel's child",
                hint="start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False, or use --no-geometry",
            )
        built = pipeline.run_report(
            Path(spec.model),
            spec.options,
            spec.match_options,
            config_path=Path(spec.config) if spec.config else None,
            mapping_path=Path(spec.mapping) if spec.mapping else None,
            packs=[Path(p) for p in spec.packs],
            database=Path(spec.database) if spec.database else None,
            cache=pipeline.default_cache() if spec.cache else None,
            lang=spec.lang,
        )
        written = pipeline.write_report(built, Path(spec.outdir), spec.stem, spec.formats)
    except EmbodiedError as error:
        return failed_outcome(spec, error.one_line(), type(error).__name__, time.perf_counter() - start)
    except Exception as error:  # a bug or a library's failure: this building fails, the park goes on
        return failed_outcome(spec, _one_line(error), type(error).__name__, time.perf_counter() - start)
    return outcome(spec, built, written, time.perf_counter() - start)


def outcome(
    spec: BuildingSpec, built: ReportModel, written: Sequence[Path], seconds: float
) -> BuildingOutcome:
    """A building's outcome, read from its report model."""
    project, grand = built.project, built.total_kgco2e
    return BuildingOutcome(
        model=spec.model,
        stem=spec.stem,
        name=project.name,
        status="ok",
        sha256=built.fingerprint.model_sha256,
        run_id=built.fingerprint.run_id,
        data_version=built.fingerprint.data_version,
        config_file=built.fingerprint.config_file,
        floor_area_m2=project.floor_area_m2,
        floor_area_source=project.floor_area_source,
        design_life_years=project.design_life_years,
        stages={a.key: a.kgco2e for a in built.stages},
        modules={a.key: a.kgco2e for a in built.modules},
        embodied_kgco2e=built.embodied_kgco2e,
        total_kgco2e=grand,
        intensity_kgco2e_per_m2=built.intensity_kgco2e_per_m2,
        embodied_share=_ratio(built.embodied_kgco2e, grand),
        operational_share=_ratio(built.stage("operation"), grand),
        electricity_kwh=built.operation.electricity_kwh,
        onsite_renewable_kwh=built.operation.onsite_renewable_kwh,
        green_power_kwh=built.operation.green_power_kwh,
        issues=len(built.issues),
        unmatched=len(built.unmatched),
        files=tuple(str(p) for p in written),
        seconds=round(seconds, 3),
        worker=_worker(),
    )


def failed_outcome(spec: BuildingSpec, error: str, error_type: str, seconds: float = 0.0) -> BuildingOutcome:
    return BuildingOutcome(
        model=spec.model,
        stem=spec.stem,
        name=spec.stem,
        status="failed",
        error=error,
        error_type=error_type,
        sha256=_file_sha256(Path(spec.model)),
        seconds=round(seconds, 3),
        worker=_worker(),
    )


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else round(part / whole, 6)


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _worker() -> str | None:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # not inside a Dask worker
        return None


# -- the inputs --------------------------------------------------------------------------------------


def collect_models(paths: Sequence[Path | str]) -> tuple[list[Path], Path | None]:
    """The model files of the arguments (a folder: its *.ifc and *.ifczip, sorted, not recursive) and
    the folder when exactly one was given (its park.toml is the default park file)."""
    models: list[Path] = []
    folders: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            folders.append(path)
            found = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES]
            models.extend(sorted(found, key=lambda p: p.name))
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder")
        elif path.suffix.lower() not in MODEL_SUFFIXES:
            hint = "a park takes .ifc and .ifczip files, or folders of them"
            raise InputError(f"{path}: not a model file", hint=hint)
        else:
            models.append(path)
    if not models:
        where = ", ".join(str(p) for p in paths) or "(no arguments)"
        raise InputError(f"{where}: no models found", hint="give .ifc or .ifczip files, or a folder of them")
    stems: dict[str, Path] = {}
    for model in models:
        first = stems.setdefault(model.stem, model)
        if first is not model:
            raise InputError(
                f"{model}: the same name as {first} ({model.stem})",
                hint="each building's reports are named by its model's stem: rename one",
            )
    return models, folders[0] if len(folders) == 1 else None


def _outdir(outdir: Path) -> Path:
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: is not a directory")
    try:
        (outdir / BUILDINGS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{outdir}: cannot create the output folder ({exc.strerror or exc})") from exc
    if not os.access(outdir, os.W_OK):
        raise OutputError(f"{outdir}: directory is not writable")
    return outdir


# -- the cluster ---------------------------------------------------------------------------------------


def scheduler_timeout() -> float:
    text = os.environ.get("EMBODIED_SCHEDULER_TIMEOUT", "")
    try:
        value = float(text) if text.strip() else SCHEDULER_TIMEOUT_S
    except ValueError:
        raise InputError(f"EMBODIED_SCHEDULER_TIMEOUT={text!r}: not a number of seconds") from None
    return value if value > 0 else SCHEDULER_TIMEOUT_S


def check_cluster(workers: int | None, scheduler: str | None) -> None:
    if workers is not None and scheduler is not None:
        raise InputError("--scheduler and --workers: give one", hint="--workers sizes a local cluster")
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: must be 1 or more")


@contextmanager
def park_cluster(
    workers: int | None = None, scheduler: str | None = None, *, quiet: bool = True
) -> Iterator[Client]:
    """A Dask client: on `scheduler` (an existing cluster), else on a LocalCluster of `workers`
    processes (one thread each, no dashboard, non-daemonic so that geometry can fork). `quiet`:
    distributed's log lines are kept off stderr."""
    check_cluster(workers, scheduler)
    import dask
    from distributed import Client, LocalCluster

    level = logging.CRITICAL if quiet else logging.WARNING
    if quiet:
        logging.getLogger("distributed").setLevel(level)
    if scheduler is not None:
        timeout = scheduler_timeout()
        try:
            # distributed's Client, LocalCluster and as_completed carry no annotations
            client = Client(scheduler, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            raise InputError(
                f"--scheduler {scheduler}: cannot connect ({why})",
                hint=f"a running Dask scheduler's address, e.g. tcp://host:8786 (waited {timeout:g} s)",
            ) from None
        with client:
            yield client
        return
    config = {"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 1}
    with dask.config.set(config):
        try:
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=level,
            )
        except (OSError, RuntimeError, TimeoutError) as exc:
            raise EmbodiedError(f"the local Dask cluster did not start: {_one_line(exc)}") from None
        with cluster, Client(cluster, set_as_default=False) as client:  # type: ignore[no-untyped-call]
            yield client


# -- the park ------------------------------------------------------------------------------------------


def run_park(
    models: Sequence[Path | str],
    *,
    config: Path | None = None,
    outdir: Path = Path("out"),
    formats: Sequence[str] = PARK_FORMATS,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    options: TakeoffOptions | None = None,
    match_options: MatchOptions | None = None,
    mapping: Path | None = None,
    packs: Sequence[Path] = (),
    database: Path | None = None,
    lang: str = "zh+en",
    name: str | None = None,
    quiet: bool = True,
    on_progress: Progress | None = None,
    use_cache: bool = True,
) -> ParkResult:
    """Calculate every building of the park as a Dask task and write the park report.

    `models`: model files and/or folders. `config`: the park file (default: park.toml in the one
    folder given). `client`: an open Dask client to use (then `workers` and `scheduler` are not
    used); else `scheduler`'s cluster; else a LocalCluster of `workers` (default: one per model, at
    most one per core). Writes ``OUTDIR/park.<format>`` (together, atomically) and each building's
    reports in ``OUTDIR/buildings/``. Raises ``EmbodiedError`` for a problem of the park as a whole;
    a building's problem is in its outcome."""
    check_cluster(workers, scheduler)
    chosen = tuple(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in PARK_FORMATS]
    if unknown or not chosen:
        raise InputError(
            f"--format: {', '.join(unknown) or '(none)'} is not a park format",
            hint="a park report is " + ",".join(PARK_FORMATS),
        )
    if lang not in report_stage.LANGS:
        raise InputError(f"--lang: unknown language {lang!r}", hint="use zh, en or zh+en")
    found, folder = collect_models(models)
    park_config = find_park_config(folder, config)
    pipeline.check_inputs(mapping, packs, database)  # a bad pack or mapping fails the park at once
    _outdir(outdir)
    options = options or TakeoffOptions()
    local_workers = workers or min(len(found), os.cpu_count() or 1)
    if client is None and scheduler is None and options.threads is None:
        options = replace(options, threads=max(1, (os.cpu_count() or 1) // local_workers))
    specs = [
        replace(
            _spec(model, park_config, outdir, chosen, options, match_options, mapping, packs, database, lang),
            cache=use_cache,
        )
        for model in found
    ]
    if client is not None:
        outcomes, seconds = _run(client, specs, on_progress)
        count = len(client.scheduler_info().get("workers", {}))
    else:
        with park_cluster(None if scheduler else local_workers, scheduler, quiet=quiet) as own:
            outcomes, seconds = _run(own, specs, on_progress)
            count = len(own.scheduler_info().get("workers", {}))
    report = build_park(outcomes, park_config, name=name or _default_name(park_config, folder), lang=lang)
    files = write_park(report, outdir, chosen)
    return ParkResult(report, tuple(files), round(seconds, 3), count)


def _default_name(config: ParkConfig, folder: Path | None) -> str | None:
    if config.name:
        return config.name
    return folder.resolve().name if folder is not None else None


def _spec(
    model: Path,
    config: ParkConfig,
    outdir: Path,
    formats: tuple[str, ...],
    options: TakeoffOptions,
    match_options: MatchOptions | None,
    mapping: Path | None,
    packs: Sequence[Path],
    database: Path | None,
    lang: str,
) -> BuildingSpec:
    entry = config.entry_for(model)
    return BuildingSpec(
        model=str(model.resolve()),
        stem=model.stem,
        config=str(entry.config) if entry is not None and entry.config is not None else None,
        outdir=str((outdir / BUILDINGS_DIR).resolve()),
        formats=formats,
        options=options,
        match_options=match_options or MatchOptions(),
        mapping=str(mapping.resolve()) if mapping else None,
        packs=tuple(str(p.resolve()) for p in packs),
        database=str(database.resolve()) if database else None,
        lang=lang,
    )


def _run(
    client: Client, specs: Sequence[BuildingSpec], on_progress: Progress | None
) -> tuple[list[BuildingOutcome], float]:
    """Every spec as a task; the outcomes in the specs' order. A task that raised (a worker that died:
    KilledWorker) is that building's failed outcome."""
    from distributed import as_completed

    start = time.perf_counter()
    futures = client.map(building_task, list(specs), pure=False)
    by_key = {future.key: spec for future, spec in zip(futures, specs, strict=True)}
    outcomes: dict[str, BuildingOutcome] = {}
    if on_progress is not None:
        on_progress("buildings", 0, len(specs))
    finished = as_completed(futures, loop=client.loop)  # type: ignore[no-untyped-call]
    for done, future in enumerate(finished, start=1):
        spec = by_key[future.key]
        try:
            outcome = future.result()
        except Exception as error:
            outcome = failed_outcome(spec, _task_error(error), type(error).__name__)
        outcomes[spec.stem] = outcome
        if on_progress is not None:
            on_progress("buildings", done, len(specs))
    return [outcomes[s.stem] for s in specs], time.perf_counter() - start


def _task_error(error: BaseException) -> str:
    if type(error).__name__ == "KilledWorker":
        return "the Dask worker running this building died (KilledWorker): the model may crash a library"
    return _one_line(error)
