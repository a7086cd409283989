"""Charts as SVG text, drawn here so that a report is one file with nothing to fetch (a charting library would
be a megabyte of JavaScript per report, or a runtime dependency; these three shapes are a page of code)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

__all__ = ["grouped_bars", "line_chart", "reliability_diagram"]

#: Series colours (colour-blind safe, Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
W, H, LEFT, RIGHT, TOP, BOTTOM = 460, 260, 52, 12, 30, 64


def _frame(title: str, body: list[str], legend: Sequence[str], *, kind: str) -> str:
    keys = []
    for n, name in enumerate(legend):
        x = LEFT + (n % 4) * 100
        y = H - 14 - 14 * (n // 4)
        keys.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>'
                    f'<text x="{x + 14}" y="{y}" font-size="11">{escape(name[:14])}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" class="chart {kind}" '
            f'aria-label={quoteattr(title)}><title>{escape(title)}</title>'
            f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">{escape(title)}</text>'
            + "".join(body) + "".join(keys) + "</svg>")


def _axis(lo: float, hi: float) -> tuple[float, float, list[float]]:
    """Nice bounds and ticks for [lo, hi]."""
    if not math.isfinite(hi - lo) or hi <= lo:
        hi = lo + 1.0
    step = 10 ** math.floor(math.log10((hi - lo) / 4))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= 5:
            step *= m
            break
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    ticks = [lo + i * step for i in range(round((hi - lo) / step) + 1)]
    return lo, hi, ticks


def _y_axis(lo: float, hi: float, ticks: list[float]) -> tuple[list[str], Callable[[float], float]]:
    def y(v: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (1 - (v - lo) / (hi - lo))

    out = []
    for t in ticks:
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e3e6ea"/>'
                   f'<text x="{LEFT - 4}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="10">{t:g}</text>')
    return out, y


def grouped_bars(title: str, categories: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> str:
    """Bars of each series (a run, a method) for each category (a metric); None: no bar."""
    values = [v for vs in series.values() for v in vs if v is not None and math.isfinite(v)]
    lo, hi, ticks = _axis(min(0.0, *values) if values else 0.0, max(values) if values else 1.0)
    body, y = _y_axis(lo, hi, ticks)
    slot = (W - LEFT - RIGHT) / max(len(categories), 1)
    width = slot * 0.8 / max(len(series), 1)
    for c, category in enumerate(categories):
        x0 = LEFT + c * slot + slot * 0.1
        body.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle" '
                    f'font-size="10">{escape(category)}</text>')
        for s, (name, vs) in enumerate(series.items()):
            v = vs[c] if c < len(vs) else None
            if v is None or not math.isfinite(v):
                continue
            top, base = y(max(v, 0.0)), y(min(v, 0.0))
            body.append(f'<rect class="bar" x="{x0 + s * width:.1f}" y="{top:.1f}" width="{width * 0.92:.1f}" '
                        f'height="{max(base - top, 0.5):.1f}" fill="{PALETTE[s % len(PALETTE)]}" data-value="{v:.6g}">'
                        f"<title>{escape(name)} {escape(category)}: {v:.4g}</title></rect>")
    return _frame(title, body, list(series), kind="bars")


def line_chart(title: str, xs: Sequence[float], series: Mapping[str, Sequence[float | None]], *,
               x_label: str = "") -> str:
    """One line per series over `xs` (e.g. a metric at each K)."""
    values = [v for vs in series.values() for v in vs if v is not None and math.isfinite(v)]
    lo, hi, ticks = _axis(min(values) * 0.9 if values else 0.0, max(values) * 1.05 if values else 1.0)
    body, y = _y_axis(lo, hi, ticks)
    x_lo, x_hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    span = (x_hi - x_lo) or 1.0

    def x(v: float) -> float:
        return LEFT + 10 + (W - LEFT - RIGHT - 20) * (v - x_lo) / span

    for v in xs:
        body.append(f'<text x="{x(v):.1f}" y="{H - BOTTOM + 14}" text-anchor="middle" font-size="10">{v:g}</text>')
    if x_label:
        body.append(f'<text x="{W - RIGHT}" y="{H - BOTTOM + 28}" text-anchor="end" font-size="10">{escape(x_label)}'
                    "</text>")
    for s, vs in enumerate(series.values()):
        points = [(x(a), y(b)) for a, b in zip(xs, vs, strict=False) if b is not None and math.isfinite(b)]
        colour = PALETTE[s % len(PALETTE)]
        body.append(f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" points="'
                    + " ".join(f"{a:.1f},{b:.1f}" for a, b in points) + '"/>')
        body += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>' for a, b in points]
    return _frame(title, body, list(series), kind="lines")


def reliability_diagram(title: str, bins: Sequence[Mapping[str, float]], *, x_label: str, observed: str,
                        bin_title: str) -> str:
    """Observed hit rate against stated confidence per bin (dots sized by count), with the diagonal.

    Args:
        title: the chart's title.
        bins: reliability bins (``confidence``, ``accuracy``, ``count``; an empty bin has None values).
        x_label: the x axis title.
        observed: the legend of the dots.
        bin_title: each dot's tooltip (``{confidence} {accuracy} {count}``).
    """
    body, y = _y_axis(0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0])

    def x(v: float) -> float:
        return LEFT + (W - LEFT - RIGHT) * v

    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(f'<text x="{x(t):.1f}" y="{H - BOTTOM + 14}" text-anchor="middle" font-size="10">{t:g}</text>')
    body.append(f'<text x="{W - RIGHT}" y="{H - BOTTOM + 28}" text-anchor="end" font-size="10">{escape(x_label)}'
                "</text>")
    body.append(f'<line x1="{x(0)}" y1="{y(0):.1f}" x2="{x(1)}" y2="{y(1):.1f}" stroke="#999" stroke-dasharray="4 3"/>')
    most = max((float(b.get("count", 0)) for b in bins), default=1.0) or 1.0
    points = []
    for b in bins:
        if b.get("confidence") is None or b.get("accuracy") is None:  # an empty bin
            continue
        conf, acc, count = float(b["confidence"]), float(b["accuracy"]), float(b.get("count", 0))
        r = 2.5 + 6 * math.sqrt(count / most)
        points.append(f"{x(conf):.1f},{y(acc):.1f}")
        body.append(f'<circle class="bin" cx="{x(conf):.1f}" cy="{y(acc):.1f}" r="{r:.1f}" fill="{PALETTE[0]}" '
                    f'fill-opacity="0.7"><title>{escape(bin_title.format(confidence=conf, accuracy=acc, count=count))}'
                    "</title></circle>")
    body.insert(0, f'<polyline fill="none" stroke="{PALETTE[0]}" points="{" ".join(points)}"/>')
    return _frame(title, body, [observed], kind="reliability")
