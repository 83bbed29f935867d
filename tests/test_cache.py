"""The take-off cache: a report re-run after editing only the project file reuses the quantities;
anything that could change them (model bytes, options, code) is a new key; a bad cache never stops a run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from shared_models import REPO, embodied

from embodied import pipeline
from embodied.cache import TakeoffCache
from embodied.takeoff import TakeoffOptions

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

SAMPLE = REPO / "examples" / "sample_building.ifc"
HIT = "quantities from the cache"


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample and its embodied.toml in a folder of their own, the cache on in another."""
    monkeypatch.setenv("EMBODIED_CACHE", "on")
    monkeypatch.setenv("EMBODIED_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SAMPLE, work / SAMPLE.name)
    shutil.copy(SAMPLE.with_name("embodied.toml"), work / "embodied.toml")
    return work


def _report(work: Path, *extra: str) -> tuple[dict[str, object], str]:
    run = embodied(
        "report", work / SAMPLE.name, "-o", work / "out", "--format", "json", "--no-geometry", *extra
    )
    assert run.returncode == 0, run.stderr
    return json.loads((work / "out" / "sample_building.json").read_text(encoding="utf-8")), run.stderr


def test_config_edit_reuses_the_quantities_and_changes_only_what_it_should(cached: Path) -> None:
    first, said = _report(cached)
    assert HIT not in said
    assert len(list((cached.parent / "cache").glob("takeoff-*.pickle"))) == 1
    again, said = _report(cached)
    assert HIT in said
    first.pop("fingerprint"), again.pop("fingerprint")  # the run date differs, nothing else
    assert again == first
    # the project file says 192 m² -> 384 m²: the same quantities (from the cache) and materials, and
    # twice the construction estimate A5 = 20 kgCO2e/m² × area: 3 840 -> 7 680 kgCO2e
    toml = cached / "embodied.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("gross_floor_area_m2 = 192", "gross_floor_area_m2 = 384"), encoding="utf-8")
    edited, said = _report(cached)
    assert HIT in said
    assert edited["elements"] == first["elements"]
    modules = (first["totals"]["modules"], edited["totals"]["modules"])  # type: ignore[index]
    assert modules[1]["A1-A3"] == modules[0]["A1-A3"]
    assert (modules[0]["A5"], modules[1]["A5"]) == pytest.approx((3840.0, 7680.0))


def test_no_cache_and_other_bytes_take_off_again(cached: Path) -> None:
    _report(cached)
    _, said = _report(cached, "--no-cache")
    assert HIT not in said
    model = cached / SAMPLE.name
    model.write_bytes(model.read_bytes().replace(b"ENDSEC;\nEND-ISO", b"ENDSEC;\n\nEND-ISO", 1))
    _, said = _report(cached)
    assert HIT not in said  # one byte more: another SHA-256, another take-off
    assert len(list((cached.parent / "cache").glob("takeoff-*.pickle"))) == 2


def test_a_damaged_entry_or_an_unwritable_cache_is_no_error(cached: Path) -> None:
    _report(cached)
    (entry,) = (cached.parent / "cache").glob("takeoff-*.pickle")
    entry.write_bytes(b"not a pickle")
    _, said = _report(cached)
    assert HIT not in said and "error" not in said
    _, said = _report(cached)
    assert HIT in said  # replaced by the run before
    if os.geteuid() != 0:  # root writes anywhere
        shutil.rmtree(cached.parent / "cache")
        (cached.parent / "cache").write_text("a file where the folder should be")
        _, said = _report(cached)
        assert HIT not in said


def test_key_follows_the_options_but_not_the_cores() -> None:
    sha = "0" * 64
    base = TakeoffCache.key(sha, TakeoffOptions(threads=1), "2026.11.1")
    assert TakeoffCache.key(sha, TakeoffOptions(threads=2), "2026.11.1") == base
    assert TakeoffCache.key(sha, TakeoffOptions(use_geometry=False), "2026.11.1") != base
    assert TakeoffCache.key(sha, TakeoffOptions(threads=1, tolerance=0.1), "2026.11.1") != base
    assert TakeoffCache.key(sha, TakeoffOptions(threads=1), "2026.12.1") != base
    assert TakeoffCache.key("1" * 64, TakeoffOptions(threads=1), "2026.11.1") != base


def test_oldest_entries_go_when_the_cache_is_full(tmp_path: Path) -> None:
    """Three take-offs of the sample (about 0.1 MB each) in a cache of 0 MB: each put keeps none but
    itself... and the prune runs after the write, so the newest always survives its own put."""
    cache = TakeoffCache(tmp_path, max_mb=0)
    options = TakeoffOptions(use_geometry=False)
    result = pipeline.run_takeoff(SAMPLE, options)
    for key in ("a", "b", "c"):
        assert cache.put(key, result)
    assert [p.name for p in tmp_path.glob("takeoff-*.pickle")] == []
    roomy = TakeoffCache(tmp_path, max_mb=100)
    for key in ("a", "b", "c"):
        assert roomy.put(key, result)
    hit = roomy.get("b", Path("elsewhere/moved.ifc"))
    assert hit is not None and hit.rows == result.rows and hit.model.path == "elsewhere/moved.ifc"
    assert roomy.hits == 1


def test_memory_cache_serves_the_same_take_off_without_the_disk(tmp_path: Path) -> None:
    """`embodied serve` recalculates from a take-off kept in memory: the second run of the same bytes
    is a hit that neither takes off nor unpickles; the oldest of more than `keep` goes; in memory
    only (no folder), nothing is written."""
    from embodied.cache import MemoryCache

    model = tmp_path / "m.ifc"
    shutil.copy(REPO / "examples" / "sample_building.ifc", model)
    memory = MemoryCache(None, keep=1)
    first = pipeline.run_takeoff(model, cache=memory)
    moved = tmp_path / "moved.ifc"
    shutil.copy(model, moved)
    again = pipeline.run_takeoff(moved, cache=memory)
    assert memory.hits == 1
    assert again.rows is first.rows  # the very same rows: no take-off, no unpickling
    assert again.model.path == str(moved)  # the path is the one asked for
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ifc", "moved.ifc"]
    memory.put("another", first)
    assert list(memory.memory) == ["another"]  # keep=1: the older entry went

    on_disk = MemoryCache(tmp_path / "cache")
    pipeline.run_takeoff(model, cache=on_disk)
    assert len(list((tmp_path / "cache").glob("takeoff-*.pickle"))) == 1
    fresh = MemoryCache(tmp_path / "cache")  # a new server: read once from disk, then from memory
    pipeline.run_takeoff(model, cache=fresh)
    pipeline.run_takeoff(model, cache=fresh)
    assert fresh.hits == 2 and len(fresh.memory) == 1
