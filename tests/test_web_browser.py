"""`embodied serve` in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium, which
.ci/run installs; `playwright install` would download a browser and cannot work here). The server is
the real command on a free local port, over a copy of the sample. Screenshots of the summary, the
mapping editor and the 3D view go to build/test-artifacts/web/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, serving

from embodied.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ARTIFACTS = ROOT / "build" / "test-artifacts" / "web"
SAMPLE = "sample_building.ifc"


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing under CI (.ci/run installs it)")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (the dev dependencies)")
    if not CHROMIUM.exists():
        _missing("/usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "models"
    folder.mkdir()
    for name in (SAMPLE, "embodied.toml"):
        shutil.copy(EXAMPLES / name, folder / name)
    with serving(folder, tmp_path / "cache") as url:
        yield url, folder


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # type: ignore[attr-defined]


def test_fix_a_material_on_the_page_equals_the_cli(browser: object, served: tuple[str, Path]) -> None:
    """On the page: open the sample, map the unmatched 钢质门 (steel door) to普通碳钢 (2050 kgCO2e/t).
    The page's total rises by 0.9891 t × 2050 + 0.9891 t × 500 km × 0.129 = 2,091.45 kgCO2e (see
    test_web.py) and equals the total of `embodied report` with the mapping file the page saved."""
    url, folder = served
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/")
    page.click(f"a.model-link[href='/m/{SAMPLE}']")
    page.wait_for_selector("#model[data-ready='1']", timeout=120_000)
    before = page.get_attribute("#total-kgco2e", "data-value")
    first = float(before)
    assert first == pytest.approx(514426.183, abs=0.001)  # the sample's total (golden report)
    _shot(page, "summary")

    page.click("button[data-tab=mapping]")
    row = page.locator("#mapping-table tr[data-material='钢质门']")
    row.locator("button.choose").click()
    page.fill("#factor-search", "普通碳钢")
    option = page.locator("tr.factor-option[data-factor='gbt51366:D:steel_average']")
    option.wait_for()
    _shot(page, "mapping")
    option.click()
    page.wait_for_selector("body[data-edits='1']")  # the edit saved, recalculated and shown
    shown = float(page.get_attribute("#total-kgco2e", "data-value"))
    assert shown - first == pytest.approx(2027.655 + 63.79695, abs=0.002)
    assert "ms" in page.inner_text("#recalc")

    mapping = folder / "sample_building_mapping.csv"
    out = folder.parent / "cli"
    code = main(["report", str(folder / SAMPLE), "--mapping", str(mapping), "-o", str(out), "--format=json"])
    assert code == 0
    document = json.loads((out / "sample_building.json").read_text(encoding="utf-8"))
    assert shown == pytest.approx(document["totals"]["total_kgco2e"], abs=1e-6)
    assert errors == []


def test_3d_view_colours_and_picks_elements(browser: object, served: tuple[str, Path]) -> None:
    url, _folder = served
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/m/{SAMPLE}")
    page.wait_for_selector("#model[data-ready='1']", timeout=120_000)
    page.click("button[data-tab=view3d]")
    page.wait_for_selector("#viewer[data-ready='1']", timeout=120_000)
    # the sample's 47 elements but the roof (IfcRoof) and the canopy (IfcElementAssembly), which have no
    # body of their own: their parts are drawn
    assert page.get_attribute("#viewer", "data-elements") == "45"
    assert "kgCO2e" in page.inner_text("#legend")
    assert page.is_hidden("#scene-note")  # every element with a body was drawn
    box = page.locator("#viewer canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#element-detail h3", timeout=20_000)
    assert "kgCO2e" in page.inner_text("#element-detail")
    _shot(page, "view3d")

    # "Show in 3D" of a material highlights its elements
    page.click("button[data-tab=mapping]")
    page.locator("#mapping-table tr[data-material='C30混凝土'] button.show3d").click()
    page.wait_for_selector("#tab-view3d:not([hidden])")
    assert errors == []


def test_a_bad_upload_shows_the_clis_error(browser: object, served: tuple[str, Path], tmp_path: Path) -> None:
    url, folder = served
    bad = tmp_path / "notes.ifc"
    bad.write_text("hello, not a model", encoding="utf-8")
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url + "/")
    page.set_input_files("#upload-file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-error:not([hidden])")
    assert page.inner_text("#upload-error") == "notes.ifc: not an IFC file (no ISO-10303-21 header)"
    assert sorted(p.name for p in folder.iterdir()) == ["embodied.toml", SAMPLE]

    good = tmp_path / "my model (v2).ifc"
    shutil.copy(EXAMPLES / SAMPLE, good)
    page.set_input_files("#upload-file", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/m/my_model_v2.ifc")
    page.wait_for_selector("#model[data-ready='1']", timeout=120_000)
    assert (folder / "my_model_v2.ifc").read_bytes() == good.read_bytes()


def test_the_3d_view_says_what_it_could_not_draw(browser: object, served: tuple[str, Path]) -> None:
    """The bad-inputs corpus's representation-fails model: two elements with a body, one of them
    degenerate (the kernel builds no mesh): one drawn, and the page says 1 was not."""
    url, folder = served
    shutil.copy(
        ROOT / "tests" / "bad_inputs" / "cases" / "representation-fails" / "model.ifc", folder / "bad.ifc"
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{url}/m/bad.ifc")
    page.wait_for_selector("#model[data-ready='1']", timeout=120_000)
    page.click("button[data-tab=view3d]")
    page.wait_for_selector("#viewer[data-ready='1']", timeout=120_000)
    assert page.get_attribute("#viewer", "data-elements") == "1"
    assert page.inner_text("#scene-note").startswith("1 ")
