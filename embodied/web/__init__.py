"""`embodied serve`: a local web page over a folder of models, built on the pipeline and its report
model (``create_app``). ``workspace``: the folder and the files the page writes; ``session``: an open
model, its take-off in the background and recalculation after an edit; ``pages``: the jinja2
fragments; ``scene``: the 3D geometry for the viewer; ``app``: the routes.

``create_app`` is imported when first used: the 3D scene's child process imports this package and
needs none of the app (nor matplotlib, which it loads)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from embodied.web.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
