"""Reading stage: open an IFC model (.ifc or .ifczip), refuse bad files with one clear line, and
fix the model's units once.

Checks done before ifcopenshell sees the file, because ifcopenshell opens some bad files without
complaint (a truncated file loads whatever entities came before the cut):

- the file exists, is not empty, and starts with the STEP header ``ISO-10303-21;``;
- it ends with the trailer ``END-ISO-10303-21;`` (else it was truncated);
- its ``FILE_SCHEMA`` is IFC2X3, IFC4 or IFC4X3 (any addendum ifcopenshell knows).
"""

from __future__ import annotations

import codecs
import hashlib
import math
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.ifcopenshell_wrapper
import ifcopenshell.util.unit

from embodied.errors import ModelReadError
from embodied.records import ModelInfo
from embodied.units import UnitScales

SUPPORTED_FAMILIES = ("IFC2X3", "IFC4", "IFC4X3")
_HEADER = b"ISO-10303-21;"
_TRAILER = b"END-ISO-10303-21;"
_SCHEMA_RE = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.IGNORECASE)
_PEEK = 64 * 1024
DEFAULT_MAX_IFC_BYTES = 2 * 1024**3


@dataclass(frozen=True, slots=True)
class Model:
    """An opened model: the ifcopenshell file (for the take-off stage only) and what we know of it."""

    file: Any  # ifcopenshell.file
    info: ModelInfo
    damage: tuple[str, ...] = ()  # what ifcopenshell logged while parsing (see `parse_log`)
    # read lazily (the low-memory path): each entity is parsed when first used, so damage in one is
    # only known if the take-off uses it (see `open_model`)
    lazy: bool = False


def schema_family(identifier: str) -> str | None:
    """'IFC4X3_ADD2' -> 'IFC4X3', 'IFC2X3' -> 'IFC2X3', 'IFC4' -> 'IFC4'; None when not supported."""
    ident = identifier.upper()
    for family in sorted(SUPPORTED_FAMILIES, key=len, reverse=True):
        if ident == family or ident.startswith(family + "_"):
            return family
    return None


def file_digest(path: Path) -> tuple[str, bool]:
    """The file's SHA-256, and whether its bytes are valid UTF-8 (a STEP file is ASCII; bytes that are
    not UTF-8 are silently dropped from names by the parser, so the take-off must say so)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid = True
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            if valid and not block.isascii():
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    valid = False
    return digest.hexdigest(), valid


def max_ifc_bytes() -> int:
    """The largest IFC text read (plain or unzipped): EMBODIED_MAX_IFC_BYTES, default 2 GiB. A guard
    against zip bombs and runaway files, set well above real models, not a statement about them."""
    raw = os.environ.get("EMBODIED_MAX_IFC_BYTES", "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_MAX_IFC_BYTES


def _too_big(path: Path, size: int, what: str) -> ModelReadError:
    limit = max_ifc_bytes()
    return ModelReadError(
        path,
        f"{what} {size:,} bytes, more than the limit of {limit:,}",
        hint="raise it with EMBODIED_MAX_IFC_BYTES if the model is genuine",
    )


def _head_and_tail(path: Path) -> tuple[bytes, bytes, int]:
    """First and last bytes of the STEP text (inside the archive for .ifczip) and its size."""
    limit = max_ifc_bytes()
    if path.suffix.lower() == ".ifczip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = [i for i in archive.infolist() if i.filename.lower().endswith(".ifc")]
                if not members:
                    raise ModelReadError(path, "the .ifczip archive holds no .ifc file")
                if len(members) > 1:
                    names = ", ".join(m.filename for m in members[:5])
                    raise ModelReadError(
                        path,
                        f"the .ifczip holds {len(members)} models ({names}): embodied reads one per file",
                    )
                member = members[0]
                if member.flag_bits & 0x1:  # zipfile would raise a bare RuntimeError asking for a password
                    raise ModelReadError(path, f"{member.filename} in the .ifczip is encrypted")
                if member.file_size > limit:
                    raise _too_big(path, member.file_size, "the model inside expands to")
                with archive.open(member) as fh:
                    data = fh.read(limit + 1)  # the declared size may lie: never read past the limit
                if len(data) > limit:
                    raise _too_big(path, len(data), "the model inside expands to more than")
        except zipfile.BadZipFile as exc:
            raise ModelReadError(path, f"not a valid .ifczip archive ({exc})") from exc
        except NotImplementedError as exc:  # e.g. Deflate64
            raise ModelReadError(path, f"the .ifczip uses an unsupported compression ({exc})") from exc
        except (zlib.error, EOFError, OSError) as exc:
            raise ModelReadError(path, f"the .ifczip archive is corrupt ({exc})") from exc
        return data[:_PEEK], data[-_PEEK:], len(data)
    size = path.stat().st_size
    if size > limit:
        raise _too_big(path, size, "the file has")
    with path.open("rb") as fh:
        head = fh.read(_PEEK)
        fh.seek(max(0, size - _PEEK))
        tail = fh.read()
    return head, tail, size


def check_file(path: Path) -> str:
    """Raise ModelReadError unless `path` looks like a whole IFC file; return its schema identifier."""
    if not path.exists():
        raise ModelReadError(path, "file not found")
    if path.is_dir():
        raise ModelReadError(path, "is a directory, not an IFC file")
    if path.stat().st_size == 0:
        raise ModelReadError(path, "file is empty")
    head, tail, _ = _head_and_tail(path)
    if not head.strip():
        raise ModelReadError(path, "file is empty")
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_HEADER):
        if head.lstrip().startswith(b"<"):
            raise ModelReadError(path, "is XML; only IFC STEP files (.ifc, .ifczip) are read")
        raise ModelReadError(path, "not an IFC file (no ISO-10303-21 header)")
    match = _SCHEMA_RE.search(head)
    if not match:
        raise ModelReadError(path, "no FILE_SCHEMA in the IFC header")
    identifier = match.group(1).decode("ascii", "replace").strip()
    if schema_family(identifier) is None:
        raise ModelReadError(
            path,
            f"unknown or unsupported IFC schema {identifier!r}",
            hint="supported: " + ", ".join(SUPPORTED_FAMILIES),
        )
    if _TRAILER not in tail:
        raise ModelReadError(path, "file is truncated (no END-ISO-10303-21; at its end)")
    return identifier


def reads_lazily(path: Path) -> bool:
    """Whether `open_model(path, lazy=True)` reads it lazily: a plain .ifc (an .ifczip is unpacked
    and read whole)."""
    return path.suffix.lower() == ".ifc"


def open_model(path: Path | str, digest: tuple[str, bool] | None = None, *, lazy: bool = False) -> Model:
    """Open an IFC model after checking it; every failure is a ModelReadError naming the file.
    `digest` is the file's `file_digest` when the caller has it already.

    `lazy` (plain .ifc only) is the low-memory path: ifcopenshell indexes the file in one quick pass
    and parses an entity when it is first read, so a take-off without geometry, which never reads the
    geometry entities (most of a file), needs about half the memory and time. The parser's complaints
    about an entity then come when it is read: `parse_log` after the take-off collects them, and
    damage in entities nothing read is not seen (the take-off says so)."""
    path = Path(path)
    identifier = check_file(path)
    ifcopenshell.ifcopenshell_wrapper.get_log()  # empty the log: what follows is this file's
    try:
        lazy = lazy and reads_lazily(path)
        # (the stubs of 0.9.0 do not list `lazy` yet)
        file = ifcopenshell.open(str(path), lazy=True) if lazy else ifcopenshell.open(str(path))  # type: ignore[call-overload]
    except ifcopenshell.SchemaError as exc:  # e.g. a pre-release such as IFC4X3_RC4
        raise ModelReadError(
            path,
            f"unknown or unsupported IFC schema {identifier!r}",
            hint="supported: " + ", ".join(SUPPORTED_FAMILIES),
        ) from exc
    except (ifcopenshell.Error, OSError, RuntimeError) as exc:
        raise ModelReadError(path, f"cannot be parsed as IFC ({exc})") from exc
    family = schema_family(file.schema_identifier) or schema_family(file.schema)
    if family is None:
        raise ModelReadError(path, f"unsupported IFC schema {file.schema_identifier!r}")
    damage = parse_log()
    sha256, utf8 = digest or file_digest(path)
    if not utf8 and path.suffix.lower() != ".ifczip":
        damage += (
            "the file has bytes that are not UTF-8: the parser drops them, "
            "so some names may have lost characters",
        )
    if not file.by_type("IfcProject"):
        raise ModelReadError(path, "has no IfcProject, so its units are unknown")
    try:
        units = unit_scales(file)
    except (AttributeError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelReadError(path, f"its units cannot be read (damaged IfcUnitAssignment: {exc})") from exc
    for kind, scale in (("length", units.length_m), ("area", units.area_m2), ("volume", units.volume_m3)):
        if not (math.isfinite(scale) and scale > 0):  # e.g. an IfcConversionBasedUnit with a factor of 0
            raise ModelReadError(
                path, f"its {kind} unit converts to {scale:g} in SI units: no quantity can be read"
            )
    info = ModelInfo(
        path=str(path),
        sha256=sha256,
        size_bytes=path.stat().st_size,
        schema=family,
        schema_identifier=file.schema_identifier,
        authoring_app=_authoring_app(file),
        units=units,
    )
    return Model(file=file, info=info, damage=damage, lazy=lazy)


_LOG_LINE = re.compile(r"^\[(error|warning)\](?: \[[^\]]*\])* (.*)$", re.IGNORECASE)
MAX_DAMAGE = 20  # messages kept; the rest are counted


# what the STEP parser says of a damaged entity (the geometry kernel logs other things: precision, ...)
_PARSER_MESSAGE = re.compile(
    r"instance #\d+|Instance reference|Entity with name|non-unique GlobalId|offset \d+"
)


def parse_log(parser_only: bool = False) -> tuple[str, ...]:
    """The errors and warnings ifcopenshell logged while parsing: places where the model it loaded
    differs from the file (an entity with the wrong number of attributes, a reference to no entity, a
    step id defined twice, a value it could not read, a GlobalId used twice). It reads around them
    without raising; they become problems of the take-off, so that the report shows them."""
    log = ifcopenshell.ifcopenshell_wrapper.get_log().splitlines()
    found = [m[2] for m in map(_LOG_LINE.match, log) if m]
    if parser_only:
        found = [text for text in found if _PARSER_MESSAGE.search(text)]
    kept = [f"damaged IFC file, read around: {message}" for message in found[:MAX_DAMAGE]]
    if len(found) > MAX_DAMAGE:
        kept.append(f"damaged IFC file: {len(found) - MAX_DAMAGE} more problems of the parser not listed")
    return tuple(kept)


def _authoring_app(file: Any) -> str | None:
    apps = file.by_type("IfcApplication")
    if apps:
        app = apps[0]
        return " ".join(str(p) for p in (app.ApplicationFullName, app.Version) if p) or None
    system = getattr(file.header.file_name, "originating_system", None)
    return str(system) if system else None


def _declared(file: Any, unit_type: str) -> bool:
    return ifcopenshell.util.unit.get_project_unit(file, unit_type) is not None


def unit_scales(file: Any) -> UnitScales:
    """SI scales of the project's units. Undeclared area/volume units are derived from the length
    unit, an undeclared mass unit is the kilogram (IFC's default); each such choice is recorded."""
    calc = ifcopenshell.util.unit.calculate_unit_scale
    assumed: list[str] = []
    if not _declared(file, "LENGTHUNIT"):
        assumed.append("no length unit declared: metre assumed")
    length = calc(file, "LENGTHUNIT")
    if _declared(file, "AREAUNIT"):
        area = calc(file, "AREAUNIT")
    else:
        area = length**2
        assumed.append("no area unit declared: the square of the length unit assumed")
    if _declared(file, "VOLUMEUNIT"):
        volume = calc(file, "VOLUMEUNIT")
    else:
        volume = length**3
        assumed.append("no volume unit declared: the cube of the length unit assumed")
    # ifcopenshell measures mass against the gram (IFC's SI mass unit is GRAM, prefixed KILO).
    mass = calc(file, "MASSUNIT") / 1000.0 if _declared(file, "MASSUNIT") else 1.0
    try:
        density = calc(file, "MASSDENSITYUNIT") / 1000.0 if _declared(file, "MASSDENSITYUNIT") else 1.0
    except ValueError:  # IFC2X3 files may lack the enum value in odd exports
        density = 1.0
    unit = ifcopenshell.util.unit.get_project_unit(file, "LENGTHUNIT")
    name = ifcopenshell.util.unit.get_full_unit_name(unit) if unit is not None else "METRE"
    return UnitScales(
        length_m=length,
        area_m2=area,
        volume_m3=volume,
        mass_kg=mass,
        mass_density_kg_m3=density,
        length_name=str(name),
        assumed=tuple(assumed),
    )
