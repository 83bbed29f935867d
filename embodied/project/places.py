"""The names a project file's values are checked against, read from material_db/factors: province
names in every spelling (the MEE/NBS provincial grid rows of energy_cn.csv and grid_regions.csv),
the grid-factor keys ``<slug>-<year>`` and the transport modes of GB/T 51366 Table E.0.1
(gbt51366_2019.csv). No second list of them is kept in the code.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache

from embodied.factors.schema import DEFAULT_ROOT

GRID_ID = re.compile(r"mee_nbs:grid_(\d{4}):([a-z0-9_]+)")
TRANSPORT_ID = re.compile(r"gbt51366:E:([a-z0-9_]+)")
_PROVINCE_ZH = re.compile(r"省级.*（(.+?)，\d{4}年）")
# Official suffixes of province names, tried in order (新疆维吾尔自治区 -> 新疆, Guangdong Sheng -> guangdong)
_ZH_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_LATIN_SUFFIXES = (
    "uygurautonomousregion", "uyghurautonomousregion", "zhuangautonomousregion", "huiautonomousregion",
    "autonomousregion", "province", "municipality", "sheng", "shi",
)  # fmt: skip
# The one province whose grid slug is English rather than pinyin: its pinyin spelling as well.
_PINYIN_ALIASES = {"neimenggu": "inner_mongolia"}


def _rows(name: str, folder: str = "factors") -> list[dict[str, str]]:
    with (DEFAULT_ROOT / folder / name if folder else DEFAULT_ROOT / name).open(
        encoding="utf-8", newline=""
    ) as handle:
        return list(csv.DictReader(handle))


@cache
def grid_keys() -> tuple[str, ...]:
    """``<slug>-<year>`` of every MEE/NBS grid factor, in file order."""
    keys = []
    for row in _rows("energy_cn.csv"):
        if match := GRID_ID.fullmatch(row["factor_id"]):
            keys.append(f"{match[2]}-{match[1]}")
    return tuple(keys)


@cache
def province_names() -> dict[str, str]:
    """Every spelling of a province (folded) -> its slug: those with a provincial grid factor, and
    every province of grid_regions.csv (西藏 has no factor of its own; the default falls back)."""
    names: dict[str, str] = dict(_PINYIN_ALIASES)
    for row in _rows("energy_cn.csv"):
        match, zh = GRID_ID.fullmatch(row["factor_id"]), _PROVINCE_ZH.fullmatch(row["name_zh"])
        if match and zh and " provincial " in row["name_en"]:
            slug = match[2]
            for spelling in (slug, zh[1], row["name_en"].split(" provincial ")[0]):
                names[_fold(spelling)] = slug
    for row in _rows("grid_regions.csv", folder=""):
        english = re.split(r"[()]", row["name_en"])  # "Tibet (Xizang)" -> Tibet, Xizang
        for spelling in (row["province"], row["name_zh"], *english):
            if spelling.strip():
                names.setdefault(_fold(spelling), row["province"])
    return names


@cache
def transport_modes() -> tuple[str, ...]:
    return tuple(
        m[1] for row in _rows("gbt51366_2019.csv") if (m := TRANSPORT_ID.fullmatch(row["factor_id"]))
    )


def _fold(text: str) -> str:
    """Case, width and separators ignored: "Inner Mongolia", "inner_mongolia", "INNER-MONGOLIA" fold alike."""
    return re.sub(r"[\s_\-'’·]+", "", unicodedata.normalize("NFKC", text).casefold())


def province_slug(text: str) -> str | None:
    """The grid slug of a province however the file writes it (北京, 北京市, Beijing), or None."""
    names, key = province_names(), _fold(text)
    candidates = [key] + [key[: -len(s)] for s in (*_ZH_SUFFIXES, *_LATIN_SUFFIXES) if key.endswith(s)]
    return next((names[c] for c in candidates if c in names), None)
