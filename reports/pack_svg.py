"""A plain SVG drawing of the dashboards' Plotly figures, for the pack when kaleido cannot export them.

Only what the pack's charts use: bar traces (horizontal or vertical, grouped), scatter traces
(markers with horizontal error bars, or lines over categories) and heat maps of counts (the
transition matrices), a title, a value axis with ticks and a legend. The figure is the very dict the dashboard draws, so both show the same numbers; this
is a faithful sketch of it, not Plotly's own rendering.
"""

from __future__ import annotations

import math
from html import escape

FONT = "DejaVu Sans, sans-serif"
TEXT = "#1f2933"
GRID = "#d0d5dc"


def _num(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low or 1.0
    raw = span / count
    step = 10 ** math.floor(math.log10(raw))
    for nice in (1, 2, 2.5, 5, 10):
        if nice * step >= raw:
            step *= nice
            break
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step) + 1)]


def _colour(trace: dict, index: int) -> str:
    marker = trace.get("marker") or {}
    line = trace.get("line") or {}
    colour = marker.get("color") if isinstance(marker.get("color"), str) else None
    return colour or line.get("color") or ("#0072B2", "#A86200", "#007F5F", "#A8508A")[index % 4]


def _title(figure: dict) -> str:
    title = (figure.get("layout") or {}).get("title")
    return (title.get("text") if isinstance(title, dict) else title) or ""


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.2f}".rstrip("0").rstrip(".")


def svg(figure: dict | None, *, width: int = 560) -> str | None:
    """The figure as an SVG document, or None when it has nothing this drawing knows how to show."""
    if not figure:
        return None
    heat = next((t for t in figure.get("data", []) if t.get("type") == "heatmap"), None)
    if heat is not None:
        return _heatmap(figure, heat, width=width)
    traces = [t for t in figure.get("data", []) if t.get("type", "scatter") in ("bar", "scatter")]
    traces = [t for t in traces if t.get("mode") != "text"]  # "suppressed" labels: the table says so
    if not traces:
        return None
    horizontal = any(t.get("orientation") == "h" for t in traces) or any(
        t.get("type", "scatter") == "scatter" and t.get("y") and isinstance(t["y"][0], str) for t in traces)
    cat_key, val_key = ("y", "x") if horizontal else ("x", "y")
    categories: list[str] = []
    layout_axis = (figure.get("layout") or {}).get("yaxis" if horizontal else "xaxis") or {}
    if layout_axis.get("categoryarray"):
        categories = [str(c) for c in layout_axis["categoryarray"]]
        if horizontal:
            categories = list(reversed(categories))  # Plotly draws the array bottom up
    for t in traces:
        for c in t.get(cat_key) or []:
            if str(c) not in categories:
                categories.append(str(c))
    if not categories:
        return None
    values = []
    for t in traces:
        error = t.get("error_x") or {}
        plus, minus = error.get("array") or [], error.get("arrayminus") or []
        for i, v in enumerate(t.get(val_key) or []):
            number = _num(v)
            if number is None:
                continue
            values.append(number)
            if i < len(plus) and _num(plus[i]) is not None:
                values.append(number + float(plus[i]))
            if i < len(minus) and _num(minus[i]) is not None:
                values.append(number - float(minus[i]))
    if not values:
        return None
    low, high = min(values + [0.0]), max(values + [0.0])
    if high == low:
        high = low + 1
    pad = (high - low) * 0.06
    low, high = (low - pad if low < 0 else low), high + pad
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    bars = [t for t in traces if t.get("type") == "bar"]
    title = _title(figure)
    parts: list[str] = []
    legend = [(t.get("name") or "", _colour(t, i)) for i, t in enumerate(traces) if t.get("name")]

    if horizontal:
        label_w = min(230, 12 + 6 * max(len(c) for c in categories))
        band = 22 if len(bars) <= 1 else 14 * len(bars) + 8
        top, left, right = 28, label_w, width - 16
        plot_h = band * len(categories)
        height = top + plot_h + 40 + (16 if legend else 0)

        def x(v: float) -> float:
            return left + (v - low) / (high - low) * (right - left)

        for tick in ticks:
            parts.append(f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{top + plot_h}" stroke="{GRID}" stroke-width="0.6"/>')
            parts.append(f'<text x="{x(tick):.1f}" y="{top + plot_h + 12}" font-size="9" text-anchor="middle">{_fmt(tick)}</text>')
        for row, category in enumerate(categories):
            y_mid = top + row * band + band / 2
            parts.append(f'<text x="{left - 5}" y="{y_mid + 3:.1f}" font-size="9" text-anchor="end">{escape(category)}</text>')
        for index, t in enumerate(traces):
            colour = _colour(t, index)
            error = t.get("error_x") or {}
            for i, (c, v) in enumerate(zip(t.get("y") or [], t.get("x") or [], strict=False)):
                number = _num(v)
                if number is None or str(c) not in categories:
                    continue
                row = categories.index(str(c))
                if t.get("type") == "bar":
                    slot = bars.index(t)
                    h = (band - 8) / len(bars)
                    y0 = top + row * band + 4 + slot * h
                    x0, x1 = sorted((x(0), x(number)))
                    parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{h - 1:.1f}" fill="{colour}"/>')
                    parts.append(f'<text x="{x1 + 3:.1f}" y="{y0 + h / 2 + 3:.1f}" font-size="8">{_fmt(number)}</text>')
                else:
                    y_mid = top + row * band + band / 2
                    plus = (error.get("array") or [None] * (i + 1))[i]
                    minus = (error.get("arrayminus") or [None] * (i + 1))[i]
                    if _num(plus) is not None and _num(minus) is not None:
                        parts.append(f'<line x1="{x(number - float(minus)):.1f}" y1="{y_mid:.1f}" x2="{x(number + float(plus)):.1f}" y2="{y_mid:.1f}" stroke="{colour}" stroke-width="1.6"/>')
                    parts.append(f'<circle cx="{x(number):.1f}" cy="{y_mid:.1f}" r="3.5" fill="{colour}"/>')
        if low < 0 < high:
            parts.append(f'<line x1="{x(0):.1f}" y1="{top}" x2="{x(0):.1f}" y2="{top + plot_h}" stroke="{TEXT}" stroke-width="0.8"/>')
        axis_y = top + plot_h + 26
    else:
        top, left, right = 28, 40, width - 12
        plot_h = 170
        height = top + plot_h + 44 + (16 if legend else 0)
        band = (right - left) / len(categories)

        def y(v: float) -> float:
            return top + plot_h - (v - low) / (high - low) * plot_h

        for tick in ticks:
            parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{right}" y2="{y(tick):.1f}" stroke="{GRID}" stroke-width="0.6"/>')
            parts.append(f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" font-size="9" text-anchor="end">{_fmt(tick)}</text>')
        for col, category in enumerate(categories):
            parts.append(f'<text x="{left + col * band + band / 2:.1f}" y="{top + plot_h + 12}" font-size="8.5" text-anchor="middle">{escape(category)}</text>')
        for index, t in enumerate(traces):
            colour = _colour(t, index)
            points = []
            for c, v in zip(t.get("x") or [], t.get("y") or [], strict=False):
                number = _num(v)
                if str(c) not in categories:
                    continue
                col = categories.index(str(c))
                if t.get("type") == "bar":
                    if number is None:
                        continue
                    slot = bars.index(t)
                    w = (band * 0.8) / len(bars)
                    x0 = left + col * band + band * 0.1 + slot * w
                    y0, y1 = sorted((y(0), y(number)))
                    parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w - 1:.1f}" height="{max(y1 - y0, 0.5):.1f}" fill="{colour}"/>')
                    parts.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 - 2:.1f}" font-size="8" text-anchor="middle">{_fmt(number)}</text>')
                else:
                    points.append(None if number is None else (left + col * band + band / 2, y(number)))
            run: list[tuple[float, float]] = []
            for point in points + [None]:
                if point is None:
                    if len(run) > 1:
                        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
                    run = []
                else:
                    run.append(point)
                    parts.append(f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{colour}"/>')
        axis_y = top + plot_h + 28
    for i, (name, colour) in enumerate(legend):
        lx = 12 + i * (width - 24) / max(len(legend), 1)
        parts.append(f'<rect x="{lx:.1f}" y="{axis_y + 2}" width="9" height="9" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 13:.1f}" y="{axis_y + 10}" font-size="8.5">{escape(name)}</text>')
    head = f'<text x="8" y="16" font-size="11" font-weight="bold">{escape(title)}</text>' if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="{FONT}" fill="{TEXT}">{head}{"".join(parts)}</svg>')


def _mix(low: str, high: str, share: float) -> str:
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _heatmap(figure: dict, trace: dict, *, width: int) -> str | None:
    """A heat map of counts: categories across (x) and up (y, the first at the foot, as Plotly draws
    it, or at the top when the y axis is reversed), each cell shaded by its count on the trace's
    two-colour scale and labelled with its text."""
    xs = [str(x) for x in trace.get("x") or []]
    ys = [str(y) for y in trace.get("y") or []]
    z = trace.get("z") or []
    if not xs or not ys or not z:
        return None
    text = trace.get("text") or [[("" if _num(v) is None else _fmt(float(v))) for v in row] for row in z]
    values = [_num(v) for row in z for v in row]
    high = max([v for v in values if v is not None] or [1.0]) or 1.0
    scale = trace.get("colorscale") or [[0, "#eaf2fa"], [1, "#0b4f8a"]]
    low_colour, high_colour = str(scale[0][1]), str(scale[-1][1])
    layout = figure.get("layout") or {}

    def axis_title(axis: str) -> str:
        title = (layout.get(axis) or {}).get("title")
        return (title.get("text") if isinstance(title, dict) else title) or ""

    label_w = 14 + 7 * max(len(y) for y in ys)
    top, left, right = 30, 22 + label_w, width - 12
    cell_w = (right - left) / len(xs)
    cell_h = 20
    plot_h = cell_h * len(ys)
    height = top + plot_h + 44
    font = max(6.5, min(10.0, cell_w / 3.2))
    parts: list[str] = []
    downwards = (layout.get("yaxis") or {}).get("autorange") == "reversed"
    for row, y_label in enumerate(ys):
        y0 = top + (row if downwards else len(ys) - 1 - row) * cell_h
        parts.append(f'<text x="{left - 5}" y="{y0 + cell_h / 2 + 3:.1f}" font-size="9" text-anchor="end">'
                     f'{escape(y_label)}</text>')
        for col, _ in enumerate(xs):
            value = _num(z[row][col]) if row < len(z) and col < len(z[row]) else None
            label = str(text[row][col]) if row < len(text) and col < len(text[row]) and text[row][col] else ""
            if value is None and not label:
                continue
            share = 0.0 if value is None else value / high
            x0 = left + col * cell_w
            fill = "#ffffff" if value is None else _mix(low_colour, high_colour, share)
            parts.append(f'<rect x="{x0 + 1:.1f}" y="{y0 + 1:.1f}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                         f'fill="{fill}"/>')
            if label:
                colour = "#ffffff" if share > 0.5 else TEXT
                parts.append(f'<text x="{x0 + cell_w / 2:.1f}" y="{y0 + cell_h / 2 + font / 3:.1f}" '
                             f'font-size="{font:.1f}" text-anchor="middle" fill="{colour}">{escape(label)}</text>')
    for col, x_label in enumerate(xs):
        parts.append(f'<text x="{left + col * cell_w + cell_w / 2:.1f}" y="{top + plot_h + 12}" font-size="8.5" '
                     f'text-anchor="middle">{escape(x_label)}</text>')
    x_title, y_title = axis_title("xaxis"), axis_title("yaxis")
    if x_title:
        parts.append(f'<text x="{(left + right) / 2:.1f}" y="{top + plot_h + 30}" font-size="9" '
                     f'text-anchor="middle">{escape(x_title)}</text>')
    if y_title:
        parts.append(f'<text x="10" y="{top + plot_h / 2:.1f}" font-size="9" text-anchor="middle" '
                     f'transform="rotate(-90 10 {top + plot_h / 2:.1f})">{escape(y_title)}</text>')
    title = _title(figure)
    head = f'<text x="8" y="16" font-size="11" font-weight="bold">{escape(title)}</text>' if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="{FONT}" fill="{TEXT}">{head}{"".join(parts)}</svg>')
