"""The hardening-candidate rule and the sparkline tag cards draw trends with."""

import re

import pytest
from django.template import Context, Template

from teamhub.initiatives.templatetags.boards import sparkline
from teamhub.initiatives.value import RISING_RUN, hardening_reason, keeps_rising

EXPERIMENTAL = "experimental"
PRODUCTION = "production"


def reason(pathway=EXPERIMENTAL, criticality=1, values=()):
    return hardening_reason(
        pathway=pathway, mission_criticality=criticality, business_values=list(values)
    )


# The hardening-candidate rule -----------------------------------------------------


@pytest.mark.parametrize("criticality", [3, 4])
def test_experimental_and_critical_is_a_candidate(criticality):
    text = reason(criticality=criticality)
    assert text is not None
    assert f"Mission criticality {criticality}" in text


@pytest.mark.parametrize("criticality", [1, 2])
def test_experimental_and_not_critical_without_rising_value_is_not(criticality):
    assert reason(criticality=criticality, values=[5, 4, 6, 5]) is None


def test_value_rising_at_each_of_the_last_three_checkins_is_a_candidate():
    text = reason(values=[9, 1, 2, 3, 4])
    assert text is not None
    assert "rose at each of the last 3 check-ins" in text


@pytest.mark.parametrize(
    "values",
    [
        [],
        [1],
        [1, 2, 3],  # only two rises: three check-ins are not enough
        [1, 2, 3, 3],  # flat at the end is not rising
        [1, 2, 4, 3],  # fell at the last check-in
        [1, 3, 2, 4],  # a dip in the middle of the run
        [4, 3, 2, 1],
    ],
    ids=str,
)
def test_value_not_rising_enough_is_not_a_candidate(values):
    assert reason(values=values) is None


@pytest.mark.parametrize("criticality", [1, 2, 3, 4])
def test_production_is_never_a_candidate(criticality):
    assert reason(PRODUCTION, criticality, [1, 2, 3, 4, 5]) is None


def test_keeps_rising_looks_only_at_the_last_run():
    assert RISING_RUN == 3
    assert keeps_rising([10, 0, 1, 2, 3])
    assert not keeps_rising([0, 1, 2, 3, 2])
    assert keeps_rising([-3.5, -2.0, -1.0, 0.0])


def test_tiny_rises_count():
    assert keeps_rising([0.8, 0.8001, 0.8002, 0.8003])


# The sparkline tag --------------------------------------------------------------------


def points(svg: str) -> list[tuple[float, float]]:
    match = re.search(r'points="([^"]+)"', svg)
    assert match
    return [
        (float(x), float(y))
        for x, y in (pair.split(",") for pair in match.group(1).split())
    ]


@pytest.mark.parametrize("values", [[], [3.0]])
def test_sparkline_needs_two_values(values):
    assert sparkline(values, "Business value") == ""


def test_sparkline_draws_one_point_per_value_inside_the_box():
    svg = sparkline([1.0, 3.0, 2.0, 5.0], "Business value", width=72, height=18)
    assert svg.startswith("<svg")
    assert 'width="72"' in svg and 'height="18"' in svg
    drawn = points(svg)
    assert len(drawn) == 4
    assert all(0 <= x <= 72 and 0 <= y <= 18 for x, y in drawn)
    xs = [x for x, _ in drawn]
    assert xs == sorted(xs)
    # Higher values are drawn higher (smaller y); the highest at the top.
    ys = [y for _, y in drawn]
    assert ys[3] == min(ys) and ys[0] == max(ys)


@pytest.mark.parametrize(
    ("values", "trend"),
    [([1, 2, 5], "rising"), ([5, 2, 1], "falling"), ([2, 9, 2], "flat")],
)
def test_sparkline_names_its_trend_for_screen_readers(values, trend):
    svg = sparkline(values, "Business value")
    assert f"sparkline-{trend}" in svg
    assert 'role="img"' in svg
    assert (
        f'aria-label="Business value: {trend} over {len(values)} check-ins, '
        f'last {values[-1]:g}"' in svg
    )


def test_sparkline_of_a_constant_series_is_a_flat_line():
    ys = {y for _, y in points(sparkline([4.0, 4.0, 4.0], "AUC"))}
    assert len(ys) == 1


def test_sparkline_escapes_its_label():
    svg = sparkline([1, 2], '<b>"KPI"</b>')
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg


def test_sparkline_tag_renders_in_a_template():
    html = Template('{% load boards %}{% sparkline values "Business value" %}').render(
        Context({"values": [1.0, 2.0, 3.0]})
    )
    assert html.startswith('<svg class="sparkline sparkline-rising"')
    assert "&lt;svg" not in html  # not escaped twice
