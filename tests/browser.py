"""How the browser tests and bench/serve.py start Debian's Chromium under Playwright (never
`playwright install`, which downloads a browser from outside)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying the internet, which is closed here;
# SwiftShader draws WebGL (the 3D view) without a GPU.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
]
