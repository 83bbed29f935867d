"""A cache of take-offs, so that a report re-run after editing only the mapping, the project file or a
factor pack does not read the model and compute its quantities again.

An entry is keyed by the SHA-256 of the model file's bytes, the tool version, a digest of the source
of every module the take-off runs (a change of code is a change of key, released or not), the
material_db data version, the ifcopenshell version and the take-off options (all but the number of
cores, which changes no number). A key that matches is the same take-off; nothing else is trusted:
an entry that cannot be read or is not a take-off is recomputed and replaced.

Where: ``EMBODIED_CACHE_DIR``, else ``$XDG_CACHE_HOME/embodied``, else ``~/.cache/embodied``; a folder
only its owner can read (entries are pickles, which must never come from someone else). At most
``EMBODIED_CACHE_MB`` megabytes (default 2048): the oldest entries go first. ``EMBODIED_CACHE=off``
or ``--no-cache`` turn it off. A cache that cannot be written is no error: the run just takes off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import ifcopenshell

from embodied import __version__
from embodied.records import TakeoffResult

PACKAGE = Path(__file__).resolve().parent
# the modules whose code decides a take-off's numbers
TAKEOFF_SOURCES = ("reading.py", "units.py", "records.py", "errors.py", "takeoff")
DEFAULT_MB = 2048
FORMAT = 2  # of the entries: bump when the pickle layout changes (2: take-off rows as named tuples)


def default_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off (EMBODIED_CACHE=off)."""
    if os.environ.get("EMBODIED_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    explicit = os.environ.get("EMBODIED_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "embodied"


@functools.cache
def code_digest() -> str:
    """SHA-256 of the source of the take-off's modules (see TAKEOFF_SOURCES)."""
    digest = hashlib.sha256()
    for name in TAKEOFF_SOURCES:
        path = PACKAGE / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(PACKAGE).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


class TakeoffCache:
    def __init__(self, directory: Path, max_mb: int | None = None) -> None:
        self.directory = directory
        if max_mb is None:
            raw = os.environ.get("EMBODIED_CACHE_MB", "").strip()
            max_mb = int(raw) if raw.isdigit() else DEFAULT_MB
        self.max_bytes = max_mb * 1024 * 1024
        self.hits = 0  # take-offs served from the cache by this object

    @staticmethod
    def key(model_sha256: str, options: Any, data_version: str | None) -> str:
        settings = {k: v for k, v in dataclasses.asdict(options).items() if k != "threads"}
        parts = {
            "format": FORMAT,
            "model_sha256": model_sha256,
            "tool_version": __version__,
            "code": code_digest(),
            "data_version": data_version,
            "ifcopenshell": ifcopenshell.version,
            "options": settings,
        }
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"takeoff-{key}.pickle"

    def get(self, key: str, model_path: Path) -> TakeoffResult | None:
        """The cached take-off, its model path set to `model_path` (the same bytes may have moved)."""
        path = self._path(key)
        try:
            if path.stat().st_uid != os.getuid():
                return None  # an entry someone else wrote is never unpickled
            with path.open("rb") as fh:
                result = pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # a damaged entry, or one of a layout that changed: recompute, replace
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if not isinstance(result, TakeoffResult):
            return None
        self.hits += 1
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        info = dataclasses.replace(result.model, path=str(model_path))
        return dataclasses.replace(result, model=info)

    def put(self, key: str, result: TakeoffResult) -> bool:
        """Store `result`; False (and nothing left behind) when the cache cannot be written."""
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.directory.stat().st_uid != os.getuid():
                return False  # never write (or later read) pickles in someone else's folder
            fd, tmp = tempfile.mkstemp(prefix=".takeoff-", suffix=".part", dir=self.directory)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(key))
            tmp = None
            self._prune()
            return True
        except OSError:
            return False
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def _prune(self) -> None:
        entries = []
        for path in self.directory.glob("takeoff-*.pickle"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


class MemoryCache(TakeoffCache):
    """Take-offs kept in memory (the last `keep`), in front of the disk cache at `directory` (None: in
    memory only): what a long-running process (``embodied serve``) recalculates from after each edit of
    the mapping or the project file, without unpickling the take-off again."""

    def __init__(self, directory: Path | None, keep: int = 8) -> None:
        super().__init__(directory or Path(), None)
        self.on_disk = directory is not None
        self.keep = keep
        self.memory: dict[str, TakeoffResult] = {}

    def get(self, key: str, model_path: Path) -> TakeoffResult | None:
        found = self.memory.pop(key, None)
        if found is not None:
            self.hits += 1
            self.memory[key] = found  # the most recently used goes last
            return dataclasses.replace(found, model=dataclasses.replace(found.model, path=str(model_path)))
        found = super().get(key, model_path) if self.on_disk else None
        if found is not None:
            self._remember(key, found)
        return found

    def put(self, key: str, result: TakeoffResult) -> bool:
        self._remember(key, result)
        return super().put(key, result) if self.on_disk else True

    def _remember(self, key: str, result: TakeoffResult) -> None:
        self.memory.pop(key, None)
        self.memory[key] = result
        while len(self.memory) > self.keep:
            self.memory.pop(next(iter(self.memory)))


def default_cache() -> TakeoffCache | None:
    directory = default_dir()
    return TakeoffCache(directory) if directory is not None else None
