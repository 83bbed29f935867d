"""The folder `embodied serve` works in: the models in it, uploads into it, and the two files the page
edits there, the project file (``embodied.toml``, which the CLI reads beside a model) and a model's
mapping file (``<stem>_mapping.csv``, which ``embodied report --mapping`` reads).

Nothing outside the folder is ever read or written: a model is looked up by its name among the
folder's own files (never joined onto the folder as a path), an upload's name is rebuilt from safe
characters, and every file is written whole, through a temporary file moved into place
(``report.files.atomic``), under a lock, so that two edits never interleave.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from embodied import reading
from embodied.errors import InputError
from embodied.matching.normalize import normalize
from embodied.project import ProjectSettings, set_values, validate_text
from embodied.project.loading import PROJECT_FILE
from embodied.report.files import Document, atomic, write

SUFFIXES = (".ifc", ".ifczip")
MAPPING_COLUMNS = ("material", "factor_id", "note")
_SAFE = re.compile(r"[^0-9A-Za-z_\-\u3400-\u9fff]+")
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelFile:
    name: str  # the file's name in the folder, e.g. "sample_building.ifc"
    size: int

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]


class Workspace:
    """One folder of models. Thread-safe: the server's requests share it."""

    def __init__(self, folder: Path, max_upload_bytes: int = 512 * 1024 * 1024) -> None:
        root = folder.expanduser().resolve()
        if not root.is_dir():
            raise InputError(f"{folder}: not a folder", hint="embodied serve FOLDER: a folder of IFC models")
        self.root = root
        self.max_upload_bytes = max_upload_bytes
        self.lock = threading.Lock()  # one writer at a time for the folder's files

    # --- models -------------------------------------------------------------------------------
    def models(self) -> list[ModelFile]:
        """The IFC models directly in the folder (not in subfolders; links that lead out are left out)."""
        found = []
        for entry in sorted(self.root.iterdir(), key=lambda p: p.name.lower()):
            if entry.suffix.lower() in SUFFIXES and not entry.name.startswith(".") and self._inside(entry):
                try:
                    found.append(ModelFile(entry.name, entry.stat().st_size))
                except OSError:
                    continue
        return found

    def model(self, name: str) -> Path:
        """The model called `name` in the folder; an InputError when there is none."""
        for model in self.models():
            if model.name == name:
                return self.root / model.name
        raise InputError(f"{name}: no such model in {self.root.name}/")

    def _inside(self, path: Path) -> bool:
        try:
            real = path.resolve()
        except OSError:
            return False
        return real.parent == self.root and real.is_file()

    # --- uploads ------------------------------------------------------------------------------
    def upload(self, filename: str, stream: BinaryIO) -> str:
        """Save an uploaded model and return its name in the folder. Its name is rebuilt from the
        upload's (letters, digits, CJK, '-' and '_' kept; never used as a path) and never replaces a
        file; it is checked like a model given to the CLI, and a bad one is refused with the same
        one-line error (naming the uploaded file), leaving nothing behind."""
        original = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        suffix = next((s for s in SUFFIXES if original.lower().endswith(s)), None)
        if suffix is None:
            raise InputError(
                f"{original or 'upload'}: not an IFC model", hint="upload a .ifc or .ifczip file"
            )
        stem = _SAFE.sub("_", original[: -len(suffix)]).strip("_-")[:60] or "model"
        # hidden (never listed as a model) and with the model's suffix (the reader tells .ifczip by it)
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                size = 0
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_upload_bytes:
                        limit = self.max_upload_bytes / 1024 / 1024
                        raise InputError(
                            f"{original}: larger than the upload limit of {limit:,.0f} MB",
                            hint="serve with a higher --max-upload-mb, or copy the file into the folder",
                        )
                    out.write(chunk)
            self._check_model(tmp, original)
            with self.lock:
                name = self._free_name(stem, suffix)
                os.link(tmp, self.root / name)  # fails rather than replace a file of the same name
            return name
        finally:
            tmp.unlink(missing_ok=True)

    def _check_model(self, tmp: Path, original: str) -> None:
        try:
            reading.check_file(tmp)
        except InputError as error:
            raise InputError(error.message.replace(str(tmp), original), hint=error.hint) from None

    def _free_name(self, stem: str, suffix: str) -> str:
        taken = {p.name.lower() for p in self.root.iterdir()}
        name, n = f"{stem}{suffix}", 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}{suffix}"
        return name

    # --- the project file -----------------------------------------------------------------------
    @property
    def settings_path(self) -> Path:
        return self.root / PROJECT_FILE

    def settings_text(self) -> str:
        path = self.settings_path
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def save_settings_text(self, text: str) -> ProjectSettings:
        """Check `text` as the CLI checks embodied.toml (a ConfigError naming the line and key), then
        write it whole; a text with a problem writes nothing."""
        settings = validate_text(text, PROJECT_FILE)
        with self.lock, atomic(self.settings_path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return settings

    def save_settings_fields(self, changes: Mapping[tuple[str, str], str]) -> ProjectSettings:
        """Set the form's keys in embodied.toml, keeping every comment and other line as it was."""
        return self.save_settings_text(set_values(self.settings_text(), changes))

    # --- a model's mapping file -----------------------------------------------------------------
    def mapping_path(self, model_name: str) -> Path:
        return self.root / f"{self.model(model_name).stem}_mapping.csv"

    def existing_mapping(self, model_name: str) -> Path | None:
        path = self.mapping_path(model_name)
        return path if path.is_file() and self._inside(path) else None

    def set_factor(self, model_name: str, material: str, factor_id: str | None, note: str) -> Path:
        """Map `material` to `factor_id` in the model's mapping file (None: remove the mapping; a row
        that also adjusts or confirms stays, without a factor), keeping every other row and column as
        it was; written whole or not at all, as the CLI writes its mapping file (UTF-8 with a BOM)."""
        path = self.mapping_path(model_name)
        with self.lock:
            header, rows = _read_rows(path) if path.is_file() else (list(MAPPING_COLUMNS), [])
            for column in MAPPING_COLUMNS:
                if column not in header:
                    header.append(column)
            key = normalize(material)
            kept = []
            placed = False
            for row in rows:
                if normalize(row.get("material", "")) == key and not row.get("classification", "").strip():
                    row = {
                        **row,
                        "factor_id": factor_id or "",
                        "note": note if factor_id else row.get("note", ""),
                    }
                    placed = True
                    if not factor_id and not _adjusts(row):
                        continue
                kept.append(row)
            if not placed and factor_id:
                kept.append({"material": material, "factor_id": factor_id, "note": note})
            write(Document("mapping", tuple(header), kept, {}), path)  # whole, with a BOM for Excel
        return path


def _adjusts(row: Mapping[str, str]) -> bool:
    return bool((row.get("fill_fraction") or "").strip() or (row.get("confirm") or "").strip())


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    rows = [{(k or "").strip(): (v or "") for k, v in row.items()} for row in reader]
    return header, rows
