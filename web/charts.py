"""Bar charts drawn on the server as SVG geometry (no JavaScript, no outside service).

The view builds the geometry; templates/_bar_chart.html only writes it out. Colours come from
CSS classes (series-0 … series-7), so the Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 36
MARGIN_BOTTOM = 28
MARGIN_TOP = 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    series: str
    css: str


@dataclass
class Chart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    gridlines: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - MARGIN_BOTTOM
    left: int = MARGIN_LEFT
    table: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def stacked_bar_chart(
    title: str, categories: list[str], series: list[str], values: dict[tuple[str, str], int]
) -> Chart:
    """One bar per category, stacked by series. `values[(category, series)]` is the count."""
    chart = Chart(title=title)
    totals = [sum(values.get((c, s), 0) for s in series) for c in categories]
    top = max(totals + [1])
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = (WIDTH - MARGIN_LEFT) / max(len(categories), 1)
    bar_width = min(max(slot * 0.7, 2), 56)
    css = {name: f"series-{index % 8}" for index, name in enumerate(series)}
    for index, category in enumerate(categories):
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        y = chart.baseline
        for name in series:
            value = values.get((category, name), 0)
            if not value:
                continue
            height = plot_height * value / top
            y -= height
            chart.bars.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(bar_width, 1),
                    round(height, 1),
                    value,
                    category,
                    name,
                    css[name],
                )
            )
        chart.ticks.append({"x": round(x + bar_width / 2, 1), "label": category})
        chart.table.append(
            {
                "category": category,
                "total": totals[index],
                "parts": [(s, values.get((category, s), 0)) for s in series],
            }
        )
    for value in sorted({round(top * step / 4) for step in range(5)}):
        y = chart.baseline - plot_height * value / top
        chart.gridlines.append({"y": round(y, 1), "value": value})
    chart.legend = [{"name": name, "css": css[name]} for name in series]
    return chart
