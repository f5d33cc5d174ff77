"""The statistics charts: valid SVG, one mark per value, escaped text, an accessible name."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from matchmaker.web.console.charts import (
    Bar,
    Point,
    Stack,
    bar_chart,
    column_chart,
    scatter_chart,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Ош & <script>alert("x")</script>'


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    return root


def _marks(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == cls]


def _texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def test_bar_chart_has_a_bar_per_value_and_an_accessible_name() -> None:
    svg = bar_chart("m", "Meetings per participant", [Bar("Kukës", 3), Bar("Tepebaşı", 1), Bar("Osh", 0)])
    root = _parse(svg)
    bars = _marks(root, "bar")
    assert len(bars) == 3
    widths = [float(b.get("width", "0")) for b in bars]
    assert widths[0] > widths[1] > widths[2] == 0.0
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Meetings per participant"
    assert root.get("aria-labelledby") == "m-title"
    assert root.get("aria-describedby") == "m-desc"
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "Kukës: 3" in (desc.text or "")
    assert "Kukës" in _texts(root)


def test_labels_are_escaped_and_never_become_markup() -> None:
    svg = bar_chart("e", HOSTILE, [Bar(HOSTILE, 2)])
    assert "<script>" not in svg
    root = _parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    assert HOSTILE in [t.text for t in root.iter(f"{SVG}title")]
    stacked = _parse(stacked_bar_chart("s", "Requests", [Stack(HOSTILE, [1, 1])], [HOSTILE, "declined"]))
    assert HOSTILE in _texts(stacked)
    scatter = _parse(scatter_chart("p", "Score", [Point(0.5, 1.0, HOSTILE)], x_label="x", y_label="y"))
    assert HOSTILE in [t.text for t in scatter.iter(f"{SVG}title")]


def test_long_labels_are_shortened_on_screen_but_whole_in_the_tooltip() -> None:
    name = "Metropolitan Municipality of a Very Long Name Indeed"
    root = _parse(bar_chart("l", "Meetings", [Bar(name, 1)]))
    assert name not in _texts(root)
    assert any(t.endswith("…") for t in _texts(root))
    assert any(name in (t.text or "") for t in root.iter(f"{SVG}title"))


def test_column_chart_is_a_histogram_over_categories() -> None:
    ratings = [Bar("did not take place", 1), Bar("insufficient interest", 0), Bar("cooperation possible", 4)]
    root = _parse(column_chart("r", "Ratings", ratings))
    bars = _marks(root, "bar")
    assert len(bars) == 3
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[2] == max(heights)
    assert heights[1] == 0.0
    assert heights[0] == heights[2] / 4


def test_stacked_bars_split_each_total_into_its_series() -> None:
    stacks = [Stack("All requests", [2, 1, 1, 0]), Stack("provider → city", [1, 0, 0, 1])]
    root = _parse(stacked_bar_chart("q", "Requests", stacks, ["accepted", "declined", "pending", "expired"]))
    segments = _marks(root, "bar")
    assert len(segments) == 5, "zero shares draw nothing"
    first_row = [float(s.get("width", "0")) for s in segments[:3]]
    assert first_row[0] == first_row[1] * 2
    assert len(_marks(root, "legend")) == 4
    assert "provider → city" in _texts(root)


def test_scatter_has_a_point_per_rating() -> None:
    points = [Point(0.9, 1.0, "a"), Point(0.5, -1.0, "b"), Point(0.2, 0.3, "c")]
    ticks = [(-1.0, "insufficient interest"), (0.3, "informative"), (1.0, "cooperation possible")]
    root = _parse(
        scatter_chart("sc", "Score against rating", points, x_label="score", y_label="rating", y_ticks=ticks)
    )
    circles = _marks(root, "point")
    assert len(circles) == 3
    xs = [float(c.get("cx", "0")) for c in circles]
    ys = [float(c.get("cy", "0")) for c in circles]
    assert xs[0] > xs[2] > 0
    assert ys[0] < ys[2] < ys[1], "higher ratings are drawn higher"
    assert "informative" in _texts(root)


def test_empty_charts_say_so() -> None:
    for svg in (
        bar_chart("a", "Meetings", [], empty="No participants yet."),
        column_chart("b", "Ratings", [], empty="No ratings yet."),
        stacked_bar_chart("c", "Requests", [Stack("All requests", [0, 0])], ["a", "b"], empty="No requests."),
        scatter_chart("d", "Score", [], x_label="x", y_label="y", empty="No ratings."),
    ):
        root = _parse(svg)
        assert not _marks(root, "bar")
        assert not _marks(root, "point")
        assert _texts(root)[0].startswith("No ")
