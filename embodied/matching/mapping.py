"""The user's mapping file: model material (or classification code) -> factor id, editable in a
spreadsheet and passed back with ``--mapping``.

Reading checks every row against the factor database; the first problem is an error naming the file
and the line (``InputError``, exit 2). ``embodied match --write-mapping`` writes such a file,
pre-filled with the current factor of each material and the top suggestions for the unmatched ones
(``embodied.report.tables.mapping_document``); extra columns are ignored on reading.

Two optional columns answer plausibility findings (material_db/checks.yaml) for a material row:
``fill_fraction`` (0 < f ≤ 1, the share of the layer's or element's volume that really is the material,
e.g. 0.12 for a steel-stud layer that is mostly air; applied to volume and mass, never to area) and
``confirm`` (';'-separated check ids, or ``all``: the user looked and confirms; ``note`` says why). A
row may give them without a factor_id: then it maps nothing, it only adjusts or confirms.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embodied.errors import InputError
from embodied.matching.normalize import normalize

REQUIRED = ("material", "factor_id")


class MappingError(InputError):
    """A mapping file that cannot be used: the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class Entry:
    factor_id: str | None  # None: a row that only adjusts (fill_fraction) or confirms
    where: str  # "<file>:<line>"
    note: str = ""
    fill_fraction: float | None = None
    confirm: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UserMapping:
    path: str
    by_material: dict[str, Entry] = field(default_factory=dict)  # normalised material name -> entry
    adjustments: dict[str, Entry] = field(default_factory=dict)  # material -> fill_fraction / confirm row
    by_classification: dict[str, Entry] = field(default_factory=dict)  # "<system>:<code>" or "<code>"

    def for_material(self, name: str) -> Entry | None:
        return self.by_material.get(normalize(name))

    def adjustment_for(self, name: str) -> Entry | None:
        """The row giving `name` a fill fraction or confirmations (with or without a factor)."""
        return self.adjustments.get(normalize(name))

    def for_classifications(self, codes: Sequence[str]) -> Entry | None:
        for code in codes:
            entry = self.by_classification.get(code) or self.by_classification.get(code.split(":")[-1])
            if entry is not None:
                return entry
        return None


def read(path: Path, factor_ids: Collection[str]) -> UserMapping:
    """Read a mapping CSV (UTF-8, with or without BOM). A row with an empty factor_id maps nothing; its
    fill_fraction and confirm, if any, still apply to its material. A bad value is a MappingError
    naming the file and the line."""
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise MappingError(
            f"{path}:1: mapping header lacks {', '.join(missing)}", hint="columns: material,factor_id"
        )
    mapping = UserMapping(path=str(path))
    for row in reader:
        line = reader.line_num
        where = f"{path}:{line}"
        if None in row or any(v is None for v in row.values()):
            raise MappingError(f"{where}: malformed row (expected {len(header)} fields)")
        values = {k.strip(): (v or "").strip() for k, v in row.items()}
        material, factor_id = values["material"], values["factor_id"]
        classification = values.get("classification", "")
        fill = _fill(values.get("fill_fraction", ""), where)
        confirm = tuple(c.strip() for c in values.get("confirm", "").split(";") if c.strip())
        if material and (fill is not None or confirm):
            adjustment = Entry(factor_id or None, where, values.get("note", ""), fill, confirm)
            _adjust(mapping.adjustments, material, adjustment)
        elif (fill is not None or confirm) and not material:
            raise MappingError(f"{where}: fill_fraction and confirm need a material")
        if not factor_id:
            continue
        if factor_id not in factor_ids:
            raise MappingError(
                f"{where}: unknown factor id {factor_id!r}", hint="see `embodied db list --search`"
            )
        if not material and not classification:
            raise MappingError(f"{where}: a row needs a material or a classification")
        entry = Entry(factor_id=factor_id, where=where, note=values.get("note", ""))
        if material:
            _put(mapping.by_material, normalize(material), entry, where)
        else:
            _put(mapping.by_classification, classification, entry, where)
    return mapping


def _fill(text: str, where: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise MappingError(f"{where}: fill_fraction {text!r} is not a number", hint="e.g. 0.12") from None
    if not 0.0 < value <= 1.0:
        raise MappingError(f"{where}: fill_fraction must be > 0 and ≤ 1, not {text}", hint="e.g. 0.12")
    return value


def _adjust(table: dict[str, Entry], material: str, entry: Entry) -> None:
    """One fill fraction and one set of confirmations per material: a repeat must say the same."""
    key = normalize(material)
    previous = table.get(key)
    if previous is None:
        table[key] = entry
    elif (previous.fill_fraction, previous.confirm) != (entry.fill_fraction, entry.confirm):
        raise MappingError(
            f"{entry.where}: {material!r} already has a fill_fraction or confirm at {previous.where}",
            hint="give a material's fill_fraction and confirm on one row",
        )


def _put(table: dict[str, Entry], key: str, entry: Entry, where: str) -> None:
    previous = table.get(key)
    if previous is not None and previous.factor_id != entry.factor_id:
        raise MappingError(f"{where}: {key!r} is already mapped to {previous.factor_id} at {previous.where}")
    table[key] = entry
