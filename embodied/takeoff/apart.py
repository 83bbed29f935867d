"""The geometry of a large model, measured in a process of its own before the take-off reads it.

A model read on the low-memory path (``reading.open_model(lazy=True)``) cannot be meshed where it was
read: ifcopenshell's lazy parser is not safe on the kernel's several threads (on the 10k grid, eight
threads abort in the kernel with "malloc(): unaligned tcache chunk detected"), and parsing it whole
instead would hold the model twice once the kernel's process is forked from it.

So the geometry of such a model is measured first, by a process forked before the model is opened.
That process parses the file itself, leaving out the entities that neither the kernel nor the choice
of elements reads (property sets and quantity sets, about half of a Revit export), chooses the
elements as the take-off does (`select`), measures them with `geometry.volumes` (its kernel process,
time-out and crash isolation included) and sends back the volumes and the parser's complaints. It
has ended before the take-off opens the model lazily, so the two never hold the model at once.

The memory this saves is measured by bench/memtree.py (results in bench/README.md).
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import ifcopenshell

from embodied.reading import parse_log, unit_scales
from embodied.takeoff import geometry as geom
from embodied.takeoff.index import ModelIndex
from embodied.takeoff.mesh import GeometryVolume, PackedVolumes
from embodied.takeoff.select import select
from embodied.takeoff.spaces import kernel_candidates

# What the geometry process does not parse: nothing the kernel meshes or `select` reads refers to them
# (only IfcRelDefinesByProperties, left out too, and IfcMaterialProperties, which neither reads).
# Names a schema does not have are ignored by the parser.
NOT_PARSED = (
    "IfcRelDefinesByProperties",
    "IfcPropertySet",
    "IfcPropertySingleValue",
    "IfcPropertyEnumeratedValue",
    "IfcPropertyBoundedValue",
    "IfcPropertyListValue",
    "IfcPropertyTableValue",
    "IfcPropertyReferenceValue",
    "IfcComplexProperty",
    "IfcElementQuantity",
    "IfcQuantityLength",
    "IfcQuantityArea",
    "IfcQuantityVolume",
    "IfcQuantityCount",
    "IfcQuantityWeight",
    "IfcQuantityTime",
    "IfcQuantityNumber",
    "IfcPhysicalComplexQuantity",
)
PROGRESS_S = 0.2  # at most this often a progress message from the geometry process


@dataclass(frozen=True, slots=True)
class Measured:
    """What the geometry process sent: volumes by element step id (as `geometry.volumes` gives them),
    the parser's complaints about the entities it read, and why it gave nothing, if it did not."""

    volumes: Mapping[int, GeometryVolume]  # a PackedVolumes, or empty
    damage: tuple[str, ...] = ()
    failure: str | None = None


def measure(
    path: Path | str,
    *,
    threads: int | None,
    stall_s: float,
    on_progress: Callable[[int, int], None] | None = None,
) -> Measured:
    """The volumes of the elements the take-off will count in the model at `path`, measured in a
    forked process (see the module docstring). `on_progress(done, total)` as shapes come.

    The parse is waited for as long as it takes (as a parse in this process would be); after it,
    the process is stopped when `stall_s` seconds (and 10 more) pass without a message: the kernel's
    own time-out is the same, so this only catches a process stuck elsewhere. A process that ends
    without an answer (a crash while parsing) gives a failure, never an exception. The process and
    the kernel's process it starts are a process group of their own: stopped together, and the
    terminal's Ctrl-C reaches this process only, which stops them."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    # not daemonic: it starts the kernel's process itself (geometry.volumes)
    child = context.Process(target=_main, args=(str(path), threads, stall_s, send), daemon=False)
    child.start()
    pid = child.pid
    assert pid is not None  # (started)
    with contextlib.suppress(OSError):  # (the child does the same: whichever runs first)
        os.setpgid(pid, pid)
    send.close()
    try:
        measured = _answer(receive, stall_s, on_progress)
    except BaseException:
        _stop(child)
        raise
    finally:
        receive.close()
    if measured.failure is None:
        child.join(timeout=10)
    _stop(child)
    return measured


def _answer(receive: Connection, stall_s: float, on_progress: Callable[[int, int], None] | None) -> Measured:
    patience: float | None = None  # none for the parse: the first message comes after it
    while True:
        if not receive.poll(patience):
            return Measured({}, failure=f"{geom.STALLED} {stall_s:g} s and was stopped")
        try:
            message = receive.recv()
        except EOFError:
            return Measured({}, failure="the geometry process stopped abnormally (crashed)")
        patience = stall_s + 10.0
        if message[0] == "progress":
            if on_progress is not None:
                on_progress(message[1], message[2])
            continue
        if message[0] == "failed":
            return Measured({}, failure=message[1])
        return Measured(message[1], message[2])


def _stop(child: Any) -> None:
    """Stop the geometry process and the kernel's process it may have started, if still running."""
    if child.is_alive():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    child.join()


def _main(path: str, threads: int | None, stall_s: float, conn: Connection) -> None:
    """In the geometry process: parse, choose, measure, answer (see `measure`)."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # a process group of its own, with the kernel's process (see `measure`)
    faulthandler.disable()  # a crash is reported by the parent, not dumped on the terminal
    ifcopenshell.ifcopenshell_wrapper.get_log()  # the parent's log is not this parse's
    try:
        # (the stubs of 0.9.0 do not list `bypass_types` yet)
        file = ifcopenshell.open(path, bypass_types=NOT_PARSED)  # type: ignore[call-overload]
        damage = parse_log(parser_only=True)
        if not file.by_type("IfcProject"):
            raise ValueError("the model has no IfcProject")  # the take-off's reading says so, not this
        unit_scales(file)  # a damaged unit assignment is said by the take-off's reading too
        wanted = _wanted(file)
        total = len(wanted)
        conn.send(("progress", 0, total))  # parsed: from here, `measure` waits stall_s at most
        last = 0.0

        def progress(done: int) -> None:
            nonlocal last
            if done == total or time.monotonic() - last >= PROGRESS_S:
                conn.send(("progress", done, total))
                last = time.monotonic()

        volumes = geom.volumes(file, wanted, threads=threads, on_progress=progress, stall_s=stall_s)
        conn.send(("done", PackedVolumes(volumes), damage + parse_log(parser_only=True)))
    except BaseException as error:
        with contextlib.suppress(OSError):  # the parent is gone: nobody to tell
            conn.send(("failed", f"the geometry process failed ({type(error).__name__}: {error})"))
    finally:
        conn.close()


def _wanted(file: Any) -> list[Any]:
    """The elements the take-off counts and its containers, as the take-off chooses them, and the
    spaces whose floor area the kernel may have to give (`spaces.kernel_candidates`); its index is let
    go before the kernel's process is forked from this one."""
    selection = select(file, ModelIndex(file))
    counted = [file.by_id(i) for i in selection.counted] + [c for c, _ in selection.containers]
    return counted + kernel_candidates(file)
