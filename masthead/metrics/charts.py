"""Daily view charts drawn on the server as SVG geometry (the admin template draws it)."""

import datetime as dt
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 240
# LEFT leaves room for the axis title and labels up to "10,000,000".
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 12, 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: dt.date
    views: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    baseline: float = HEIGHT - BOTTOM
    right_edge: float = WIDTH - RIGHT


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above `value` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def daily_bar_chart(series: list[tuple[dt.date, int]], *, title: str) -> BarChart:
    """One bar per day; a y axis in views with 0, half and the top; a date every week."""
    top_value = _nice_ceiling(max((views for _, views in series), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(series), 1)
    bars = []
    for index, (day, views) in enumerate(series):
        height = plot_height * views / top_value
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                day=day,
                views=views,
            )
        )
    # Each label at its true height: "half" of an odd top is rounded down.
    y_ticks = [
        Tick(position=round(TOP + plot_height * (1 - value / top_value), 2), label=f"{value:,}")
        for value in sorted({0, top_value // 2, top_value})
    ]
    x_ticks = [
        Tick(position=round(LEFT + index * slot + slot / 2, 2), label=day.strftime("%-d %b"))
        for index, (day, _) in enumerate(series)
        if (len(series) - 1 - index) % 7 == 0
    ]
    total = sum(views for _, views in series)
    if series:
        busiest = max(series, key=lambda item: item[1])
        description = (
            f"{total:,} views from {series[0][0]:%-d %B %Y} to {series[-1][0]:%-d %B %Y}; "
            f"the busiest day was {busiest[0]:%-d %B} with {busiest[1]:,}."
        )
    else:
        description = "No days to show."
    return BarChart(
        title=title, description=description, bars=bars, y_ticks=y_ticks, x_ticks=x_ticks
    )
