"""`embodied serve` timed in a real browser (Playwright driving /usr/bin/chromium), model by model.

    .venv/bin/python bench/serve.py [MODEL ...]      (default: the sample and the largest shared model)

For each model, a fresh server over a folder holding only that model, with an empty cache:
- page load, cold: from opening /m/<model> until the summary is shown (take-off, readiness check,
  calculation and report model; the take-off's progress is shown meanwhile);
- page load, warm: the same page opened again (the calculation is kept by the server);
- 3D view, cold: from clicking the tab until the scene is drawn and coloured (geometry built in a
  child process, then cached), and warm (a second page, the scene from the cache);
- recalculation after a mapping edit: the server's time (``recalc_ms``: calculation from the take-off
  kept in memory and the report model) and the page's, from the click on a factor until the new
  total is shown (the POST, the recalculation and the fragments fetched again), median of 5 edits.

A Markdown table on stdout; the numbers go to bench/serve.md by hand, with the machine they came from.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "ifc"
sys.path.insert(0, str(ROOT / "tests"))
from browser import ARGS, CHROMIUM, serving  # noqa: E402  (how the tests start Chromium)


def default_models() -> list[Path]:
    shared = sorted((p for p in SHARED.rglob("*") if p.suffix.lower() in (".ifc", ".ifczip")), key=_size)
    return [ROOT / "examples" / "sample_building.ifc", *shared[-1:]]


def _size(path: Path) -> int:
    return path.stat().st_size


def measure(model: Path, page: Page, folder: Path) -> dict[str, Any]:
    shutil.copy(model, folder / model.name)
    with serving(folder, folder / ".cache") as base:
        url = f"{base}/m/{model.name}"
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#model[data-ready='1']", timeout=1_800_000)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#model[data-ready='1']", timeout=600_000)
        warm = time.perf_counter() - started

        page.click("button[data-tab=view3d]")
        started = time.perf_counter()
        page.wait_for_selector("#viewer[data-ready]", timeout=1_800_000)
        scene_cold = time.perf_counter() - started
        elements = page.get_attribute("#viewer", "data-elements")
        page.goto(url)
        page.wait_for_selector("#model[data-ready='1']")
        page.click("button[data-tab=view3d]")
        started = time.perf_counter()
        page.wait_for_selector("#viewer[data-ready]", timeout=600_000)
        scene_warm = time.perf_counter() - started

        page.click("button[data-tab=mapping]")
        page.wait_for_selector("#mapping-table")
        material = page.get_attribute("#mapping-table tbody tr", "data-material")
        server_ms, page_s = [], []
        for factor in ["gbt51366:D:steel_average", "gbt51366:D:concrete_c30"] * 3:
            edits = page.evaluate("() => document.body.dataset.edits || '0'")
            page.locator(f"#mapping-table tr[data-material='{material}'] button.choose").first.click()
            page.fill("#factor-search", factor.rsplit(":", 1)[-1])
            option = page.locator(f"tr.factor-option[data-factor='{factor}']")
            option.wait_for()
            started = time.perf_counter()
            option.click()
            page.wait_for_function(
                "(edits) => (document.body.dataset.edits || '0') !== edits", arg=edits, timeout=600_000
            )
            page_s.append(time.perf_counter() - started)
            status = json.loads(urllib.request.urlopen(f"{base}/api/m/{model.name}/status").read())
            server_ms.append(status["recalc_ms"])
        return {
            "model": model.name,
            "bytes": model.stat().st_size,
            "elements_3d": elements,
            "load_cold_s": cold,
            "load_warm_s": warm,
            "scene_cold_s": scene_cold,
            "scene_warm_s": scene_warm,
            "recalc_server_ms": statistics.median(server_ms[1:]),
            "recalc_page_s": statistics.median(page_s[1:]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="*", type=Path)
    args = parser.parse_args()
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for model in args.models or default_models():
            with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                rows.append(measure(model, page, Path(tmp)))
                page.close()
                print(json.dumps(rows[-1]), file=sys.stderr)
        browser.close()
    columns = ("model", "MB", "3D elements", "page load cold", "warm", "3D view cold", "warm")
    print("| " + " | ".join((*columns, "recalc (server)", "recalc (page)")) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['model']} | {r['bytes'] / 1e6:.1f} | {r['elements_3d']} | {r['load_cold_s']:.1f} s | "
            f"{r['load_warm_s']:.2f} s | {r['scene_cold_s']:.1f} s | {r['scene_warm_s']:.2f} s | "
            f"{r['recalc_server_ms']:.0f} ms | {r['recalc_page_s']:.2f} s |"
        )


if __name__ == "__main__":
    main()
