"""Report stage: one ``ReportModel`` (``model.build``), rendered by each format in ``RENDERERS``."""

from embodied.report.model import ReportModel, build

__all__ = ["ReportModel", "build"]
