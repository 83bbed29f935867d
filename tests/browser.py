"""How the browser tests and bench/serve.py start Debian's Chromium under Playwright (never
`playwright install`, which downloads a browser from outside)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def serving(folder: Path, cache: Path) -> Iterator[str]:
    """`embodied serve FOLDER` (the real command) on a free local port, with its cache in `cache`;
    yields its address once it answers, and stops it after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "EMBODIED_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "embodied", "serve", str(folder), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if server.poll() is not None:
                    said = server.stderr.read() if server.stderr else ""
                    raise RuntimeError(f"embodied serve stopped: {said}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
