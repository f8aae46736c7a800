"""The pack's charts: the dashboards' own Plotly figures, exported as SVG by kaleido when it is installed.

kaleido (1.x) drives a Chromium through choreographer; without it, or when the export fails (no
browser, a timeout), the pack draws the same figure with ``reports.pack_svg`` and says so once;
a chart neither can draw is left out (its table holds every figure). kaleido finds the system
Chromium (/usr/bin/chromium); set BROWSER_PATH if it lives elsewhere.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import logging
import warnings

logger = logging.getLogger(__name__)

WIDTH = 640
NOTE_NO_CHARTS = (
    "Charts are not drawn in this copy: the server cannot export chart images (the kaleido package is not "
    "installed). Every figure a chart would show is in the table beside it."
)
NOTE_SKETCHED = (
    "The charts are sencotrack's plain drawing of the dashboards' figures (the server has no kaleido to export "
    "Plotly's own); the numbers are the same, and every one is in the table beside its chart."
)


def available() -> bool:
    return importlib.util.find_spec("kaleido") is not None


@contextlib.contextmanager
def exporting():
    """One browser for all of a pack's charts: kaleido starts Chromium per image otherwise (~5 s each
    against ~0.3 s with its server kept running); stopped when the pack's charts are drawn."""
    started = False
    if available():
        try:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            started = True
        except Exception:  # noqa: BLE001 - no browser: each image falls back on its own
            logger.warning("Could not start the chart exporter for the pack", exc_info=True)
    try:
        yield
    finally:
        if started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)


def image(figure: dict | None, *, width: int = WIDTH, height: int | None = None) -> str | None:
    """The figure as an SVG data URI for an <img>: Plotly's own export when kaleido works, else the
    plain sketch of the same figure (``reports.pack_svg``); None when neither can draw it.

    ``height``: the image's height in pixels instead of the figure's own (the pack sizes a chart to
    the table beside it); the figure itself is not changed."""
    if not figure:
        return None
    if height:
        figure = {**figure, "layout": {**(figure.get("layout") or {}), "height": int(height)}}
    exported = _kaleido(figure, width=width) if available() else None
    if exported is not None:
        return exported
    from reports import pack_svg

    drawn = pack_svg.svg(figure, **({} if width == WIDTH else {"width": width}))
    return None if drawn is None else "data:image/svg+xml;base64," + base64.b64encode(drawn.encode()).decode()


def _kaleido(figure: dict, *, width: int) -> str | None:
    try:
        import plotly.io as pio

        layout = figure.get("layout", {})
        height = int(layout.get("height") or 380)
        with warnings.catch_warnings():  # "kopts is ignored if using a server": the pack's server (exporting())
            warnings.simplefilter("ignore", UserWarning)
            svg = pio.to_image(figure, format="svg", width=width, height=height)
    except Exception:  # noqa: BLE001 - no browser, a timeout: the table stands in for the chart
        logger.warning("Could not export a chart for the pack", exc_info=True)
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
