"""`embodied serve [FOLDER]`: the local web page over a folder of models (embodied.web). It binds to
127.0.0.1 unless told otherwise, says its address, and runs until Ctrl+C."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from embodied.cli.common import guarded, say
from embodied.errors import InputError

DEFAULT_PORT = 8000


def serve(
    folder: Annotated[
        Path,
        typer.Argument(help="The folder of IFC models to serve (its embodied.toml is the project file)."),
    ] = Path("."),
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="The address to bind (127.0.0.1: this computer only; the page has no login)."
        ),
    ] = "127.0.0.1",
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", help="The largest model the page accepts as an upload.", min=1)
    ] = 512,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Keep take-offs and 3D geometry in memory only.")
    ] = False,
) -> None:
    """A local web page: open a model, fix its materials' factors, see the result, the charts and the
    model in 3D, and download the permit report."""
    guarded(lambda: _serve(folder, port, host, max_upload_mb, no_cache))


def _serve(folder: Path, port: int, host: str, max_upload_mb: int, no_cache: bool) -> None:
    import uvicorn

    from embodied.cache import default_dir
    from embodied.web import create_app

    if not 0 < port < 65536:
        raise InputError(f"--port: {port} is not a port", hint="1-65535, e.g. 8000")
    app = create_app(
        folder, max_upload_mb=max_upload_mb, cache_dir=None if no_cache else default_dir(), hosts=(host,)
    )
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    say(f"embodied: serving {Path(folder).resolve()} at http://{shown}:{port}/ (Ctrl+C stops)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        say("embodied: warning: the page has no login; anyone who can reach this address can use it")
    logging.basicConfig(level=logging.WARNING, format="embodied serve: %(levelname)s %(message)s")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as error:
        raise InputError(f"--port {port}: cannot listen ({error.strerror or error})") from None
