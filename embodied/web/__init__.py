"""`embodied serve`: a local web page over a folder of models, built on the pipeline and its report
model (``create_app``). ``workspace``: the folder and the files the page writes; ``session``: an open
model, its take-off in the background and recalculation after an edit; ``pages``: the jinja2
fragments; ``scene``: the 3D geometry for the viewer; ``app``: the routes."""

from __future__ import annotations

from embodied.web.app import create_app

__all__ = ["create_app"]
