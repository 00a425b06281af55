"""A report's chart as plain SVG geometry, computed here and drawn by a template: no script, so it
passes a strict content security policy, prints, and reads the same in every browser."""

from dataclasses import dataclass

from simrenew.kit.money import format_money
from simrenew.reports.model import ChartData

WIDTH = 720
# Colour-blind-safe palette (Okabe-Ito), darkest first so the first series reads well on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str  # what a pointer or a screen reader gets for this bar


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str


@dataclass(frozen=True)
class Svg:
    width: int
    height: int
    stacked: bool
    bars: list[Bar]
    value_ticks: list[Tick]  # gridlines: y for columns, x for horizontal bars
    category_ticks: list[Tick]
    legend: list[LegendItem]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    empty: bool


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, or 5 times 10^n at or above `value` (an axis that ends on a round number)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5, 10):
            if step * factor >= value:
                return step * factor
        step *= 10


def _fmt(value: int, money: bool, language: str) -> str:
    return format_money(value, "EUR", language) if money else str(value)


def draw(chart: ChartData, language: str) -> Svg:
    return _columns(chart, language) if chart.stacked else _bars(chart, language)


def _columns(chart: ChartData, language: str) -> Svg:
    left, right, top, bottom = 84.0, WIDTH - 12.0, 12.0, 250.0
    count = max(len(chart.categories), 1)
    positive = [sum(max(s.values[i], 0) for s in chart.series) for i in range(len(chart.categories))]
    negative = [sum(min(s.values[i], 0) for s in chart.series) for i in range(len(chart.categories))]
    high = nice_ceiling(max(positive, default=0))
    low = -nice_ceiling(-min(negative, default=0)) if min(negative, default=0) < 0 else 0
    span = high - low

    def y(value: int) -> float:
        return bottom - (value - low) / span * (bottom - top)

    slot = (right - left) / count
    width = max(slot * 0.7, 1.0)
    bars: list[Bar] = []
    for i, category in enumerate(chart.categories):
        up, down = 0, 0
        for n, series in enumerate(chart.series):
            value = series.values[i]
            if not value:
                continue
            base = up if value > 0 else down
            end = base + value
            top_y, bottom_y = (y(end), y(base)) if value > 0 else (y(base), y(end))
            bars.append(
                Bar(
                    x=round(left + i * slot + (slot - width) / 2, 2),
                    y=round(top_y, 2),
                    width=round(width, 2),
                    height=round(max(bottom_y - top_y, 0.5), 2),
                    colour=PALETTE[n % len(PALETTE)],
                    title=f"{category} · {series.label}: {_fmt(value, chart.money, language)}",
                )
            )
            if value > 0:
                up = end
            else:
                down = end
    ticks = [Tick(round(y(low + span * k // 4), 2), _fmt(low + span * k // 4, chart.money, language)) for k in range(5)]
    every = max(1, -(-count // 10))  # at most about ten day labels
    categories = [
        Tick(round(left + i * slot + slot / 2, 2), label) for i, label in enumerate(chart.categories) if i % every == 0
    ]
    legend = [LegendItem(s.label, PALETTE[n % len(PALETTE)]) for n, s in enumerate(chart.series)]
    return Svg(WIDTH, 290, True, bars, ticks, categories, legend, left, right, top, bottom, not bars)


def _bars(chart: ChartData, language: str) -> Svg:
    values = chart.series[0].values if chart.series else []
    row = 30.0
    left, right, top = 230.0, WIDTH - 44.0, 8.0  # room for the last tick's label, centred on the end
    bottom = top + row * max(len(values), 1)
    high = nice_ceiling(max(values, default=0))
    low = -nice_ceiling(-min(values, default=0)) if min(values, default=0) < 0 else 0
    span = high - low

    def x(value: int) -> float:
        return left + (value - low) / span * (right - left)

    bars = []
    for i, (label, value) in enumerate(zip(chart.categories, values, strict=True)):
        start, end = sorted((x(0), x(value)))
        bars.append(
            Bar(
                x=round(start, 2),
                y=round(top + i * row + 5, 2),
                width=round(max(end - start, 0.5 if value else 0), 2),
                height=row - 10,
                colour=PALETTE[0],
                title=f"{label}: {_fmt(value, chart.money, language)}",
            )
        )
    ticks = [Tick(round(x(low + span * k // 4), 2), _fmt(low + span * k // 4, chart.money, language)) for k in range(5)]
    categories = [Tick(round(top + i * row + row / 2, 2), label) for i, label in enumerate(chart.categories)]
    empty = not any(values)
    return Svg(WIDTH, int(bottom + 28), False, bars, ticks, categories, [], left, right, top, bottom, empty)
