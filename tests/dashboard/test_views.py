"""The dashboard page and its CSV downloads, against charts made for these tests
(the real builders are tested with their own modules)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import plotly.graph_objects as go
import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import teamhub.dashboard.builders  # noqa: F401  (the real charts, registered first)
from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import CHARTS, Chart, DashboardFilters, chart
from teamhub.dashboard.freshness import PendingChanges, changed_labels, versions
from teamhub.people.models import Person, Team
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory

URL = "/dashboard/"


def people_per_team(*, filters: DashboardFilters, viewer: User) -> Chart:
    """A tiny chart: active people per team (one query whatever the size)."""
    people = Person.objects.filter(active=True)
    if filters.team_id is not None:
        people = people.filter(team_id=filters.team_id)
    counts = list(
        people.values("team_id", "team__name")
        .annotate(n=Count("pk"))
        .order_by("team__name")
    )
    links = [f"/people/?team={row['team_id']}" for row in counts]
    figure = go.Figure(
        go.Bar(
            x=[row["team__name"] for row in counts],
            y=[row["n"] for row in counts],
            customdata=links,
            hovertemplate="%{x}: %{y} people<extra></extra>",
        )
    )
    return Chart(
        key="test_people",
        title="People per team",
        caption="Active people in each team.",
        figure=figure,
        columns=("team", "people"),
        rows=[{"team": row["team__name"], "people": row["n"]} for row in counts],
        lists=[
            (
                "Teams",
                [
                    (row["team__name"], url)
                    for row, url in zip(counts, links, strict=True)
                ],
            )
        ],
    )


def stakeholders_only(*, filters: DashboardFilters, viewer: User) -> Chart:
    return Chart(
        key="test_waiting",
        title="Waiting for you",
        caption="Nothing: a chart only stakeholders see.",
        figure=go.Figure(),
    )


@pytest.fixture(autouse=True)
def test_charts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Only this module's charts are registered while its tests run (unless
    the test asks for real_charts); no cache."""
    cache.clear()
    if "real_charts" in request.fixturenames:
        yield
        cache.clear()
        return
    with mock.patch.dict(CHARTS, clear=True):
        chart(
            "test_people",
            title="People",
            order=1,
            roles=(Role.MANAGER,),
            depends_on=("people",),
        )(people_per_team)
        chart("test_waiting", title="Waiting", order=2, roles=(Role.STAKEHOLDER,))(
            stakeholders_only
        )
        yield
    cache.clear()


# -- permissions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "page", "people_csv", "waiting_csv"),
    [
        (None, 302, 302, 302),
        ("data_scientist", 403, 403, 403),
        ("manager", 200, 200, 403),
        ("stakeholder", 200, 403, 200),
        ("admin", 200, 200, 200),
    ],
)
def test_each_role_sees_the_page_and_csvs_it_may(
    client_as: Callable[[str | None], Client],
    role: str | None,
    page: int,
    people_csv: int,
    waiting_csv: int,
) -> None:
    client = client_as(role)
    assert client.get(URL).status_code == page
    assert client.get("/dashboard/test_people.csv").status_code == people_csv
    assert client.get("/dashboard/test_waiting.csv").status_code == waiting_csv


def test_anonymous_is_sent_to_login(client_as: Callable[..., Client]) -> None:
    response = client_as(None).get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        ("manager", ["test_people"]),
        ("stakeholder", ["test_waiting"]),
        ("admin", ["test_people", "test_waiting"]),
    ],
)
def test_each_role_sees_only_its_charts(
    client_as: Callable[..., Client], role: str, keys: list[str]
) -> None:
    response = client_as(role).get(URL)
    assert [c.key for c in response.context["charts"]] == keys
    html = response.content.decode()
    for key in {"test_people", "test_waiting"} - set(keys):
        assert f'data-chart="{key}"' not in html


def test_unknown_chart_csv_is_404(client_as: Callable[..., Client]) -> None:
    assert client_as("manager").get("/dashboard/nope.csv").status_code == 404


def test_dashboard_is_in_the_navigation_after_staffing(
    client_as: Callable[..., Client],
) -> None:
    labels = [i["label"] for i in client_as("manager").get(URL).context["nav_items"]]
    assert labels.index("Dashboard") == labels.index("Staffing") + 1
    stakeholder = client_as("stakeholder").get(URL).context["nav_items"]
    assert "Dashboard" in [item["label"] for item in stakeholder]
    scientist = client_as("data_scientist").get("/people/").context["nav_items"]
    assert "Dashboard" in [item["label"] for item in scientist]


@pytest.mark.parametrize(
    ("role", "heading", "team_filter"),
    [
        ("manager", "Dashboard", True),
        ("stakeholder", "Dashboard", True),
        ("data_scientist", "My dashboard", False),
    ],
)
def test_each_role_has_its_heading_and_only_filters_that_apply(
    client_as: Callable[..., Client], role: str, heading: str, team_filter: bool
) -> None:
    CHARTS["test_mine"] = replace(
        CHARTS["test_people"], key="test_mine", roles=(Role.DATA_SCIENTIST,)
    )
    html = client_as(role).get(URL).content.decode()
    assert f'<h1 class="h3 mb-0">{heading}</h1>' in html
    assert ('name="team"' in html) is team_filter
    assert 'name="start"' in html


def test_a_role_without_charts_is_told_so(client_as: Callable[..., Client]) -> None:
    response = client_as("data_scientist").get(URL)  # this module's charts only
    assert response.status_code == 403
    assert "Your role has no dashboard charts." in response.content.decode()


# -- filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("team=999999", "There is no team “999999”."),
        ("team=abc", "There is no team “abc”."),
        ("start=2026-13-01", "is not a date"),
        ("start=2026-05-01&end=2026-04-01", "The end (2026-04-01) is before the start"),
    ],
)
def test_bad_filters_answer_400_with_the_message(
    client_as: Callable[..., Client], query: str, message: str
) -> None:
    client = client_as("manager")
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    csv_response = client.get(f"/dashboard/test_people.csv?{query}")
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_default_range_is_the_last_90_days(client_as: Callable[..., Client]) -> None:
    response = client_as("manager").get(URL)
    today = timezone.localdate()
    values = response.context["values"]
    assert values["end"] == today.isoformat()
    assert values["start"] == (today - dt.timedelta(days=90)).isoformat()


def test_team_filter_changes_the_figure_and_stays_in_the_links(
    client_as: Callable[..., Client],
) -> None:
    client = client_as("manager")  # the manager is a person in a team of their own
    data, science = TeamFactory(name="Data"), TeamFactory(name="Science")
    PersonFactory.create_batch(2, team=data)
    PersonFactory.create_batch(3, team=science)

    everything = _figure(client.get(URL), "test_people")
    bars = everything["data"][0]
    assert dict(zip(bars["x"], bars["y"], strict=True)) == {
        **{"Data": 2, "Science": 3},
        **_other_teams(exclude={data.pk, science.pk}),
    }

    query = f"team={science.pk}&start=2026-01-01&end=2026-03-31"
    response = client.get(f"{URL}?{query}")
    figure = _figure(response, "test_people")
    assert figure["data"][0]["x"] == ["Science"]
    assert figure["data"][0]["y"] == [3]
    html = response.content.decode()
    assert f'href="/dashboard/test_people.csv?{query.replace("&", "&amp;")}"' in html
    assert f'<option value="{science.pk}" selected>Science</option>' in html
    assert 'value="2026-01-01"' in html and 'value="2026-03-31"' in html


def _other_teams(*, exclude: set[int]) -> dict[str, int]:
    return {
        team.name: team.n
        for team in Team.objects.exclude(pk__in=exclude).annotate(
            n=Count("members", filter=Q(members__active=True))
        )
        if team.n
    }


def _figure(response: Any, key: str) -> dict[str, Any]:
    assert response.status_code == 200
    (built,) = [c for c in response.context["charts"] if c.key == key]
    return built.figure


# -- CSV -------------------------------------------------------------------


def test_csv_holds_the_chart_rows_for_the_filters(
    client_as: Callable[..., Client],
) -> None:
    client = client_as("manager")
    team = TeamFactory(name="Vision, Speech")  # a comma, quoted by csv
    PersonFactory.create_batch(4, team=team)
    response = client.get(
        f"/dashboard/test_people.csv?team={team.pk}&start=2026-01-01&end=2026-02-01"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="test_people_2026-01-01_2026-02-01.csv"'
    )
    text = b"".join(response.streaming_content).decode()
    assert text == 'team,people\r\n"Vision, Speech",4\r\n'
    assert list(csv.DictReader(io.StringIO(text))) == [
        {"team": "Vision, Speech", "people": "4"}
    ]


def test_csv_text_that_looks_like_a_formula_is_quoted(
    client_as: Callable[..., Client],
) -> None:
    client = client_as("manager")
    team = TeamFactory(name="=HYPERLINK(1)")
    PersonFactory(team=team)
    response = client.get(f"/dashboard/test_people.csv?team={team.pk}")
    text = b"".join(response.streaming_content).decode()
    assert text == "team,people\r\n'=HYPERLINK(1),1\r\n"


# -- the page --------------------------------------------------------------


def test_each_chart_is_a_card_with_its_figure_csv_link_and_lists(
    client_as: Callable[..., Client],
) -> None:
    client = client_as("manager")
    response = client.get(URL)
    html = response.content.decode()
    assert "People per team" in html and "Active people in each team." in html
    assert 'id="chart-test_people-data" type="application/json"' in html
    assert 'data-figure="chart-test_people-data"' in html
    assert "/static/plotly/plotly.min.js" in html
    assert "/static/js/dashboard.js" in html
    assert ">Download CSV</a>" in html
    person = Person.objects.get()
    assert f'<a href="/people/?team={person.team_id}">{person.team.name}</a>' in html


def test_a_long_list_shows_its_first_items_and_the_rest_on_request(
    client_as: Callable[..., Client],
) -> None:
    client = client_as("manager")
    for team in TeamFactory.create_batch(8):
        PersonFactory(team=team)
    html = client.get(URL).content.decode()
    names = list(
        Team.objects.filter(members__active=True)
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )
    shown, more = html.split('data-testid="chart-list-more"')
    assert [name for name in names if f">{name}</a>" in shown] == names[:6]
    assert [name for name in names if f">{name}</a>" in more] == names[6:]
    assert f"{len(names) - 6} more</summary>" in more


def test_a_chart_without_data_shows_an_empty_state(
    client_as: Callable[..., Client],
) -> None:
    html = client_as("stakeholder").get(URL).content.decode()
    assert 'data-testid="empty"' in html
    assert "No data for these filters." in html
    assert 'data-figure="chart-test_waiting-data"' not in html


def test_an_empty_figure_shows_the_empty_state_and_still_its_rows_and_lists(
    client_as: Callable[..., Client],
) -> None:
    def rows_only(*, filters: DashboardFilters, viewer: User) -> Chart:
        return Chart(
            key="test_waiting",
            title="Waiting for you",
            caption="Rows, nothing to draw.",
            figure=go.Figure(go.Bar(x=[], y=[])),
            columns=("what",),
            rows=[{"what": "lone"}],
            lists=[("Listed", [("Lone expert", "/people/")])],
        )

    CHARTS["test_waiting"] = replace(CHARTS["test_waiting"], build=rows_only)
    client = client_as("stakeholder")
    html = client.get(URL).content.decode()
    assert "No data for these filters." in html
    assert 'data-figure="chart-test_waiting-data"' not in html
    assert '<a href="/people/">Lone expert</a>' in html
    response = client.get("/dashboard/test_waiting.csv")
    csv_text = b"".join(response.streaming_content).decode()
    assert csv_text.splitlines() == ["what", "lone"]


def test_click_on_a_point_with_a_url_opens_it(
    client_as: Callable[..., Client],
) -> None:
    """The figure carries the URLs as customdata; dashboard.js opens them."""
    response = client_as("manager").get(URL)
    figure = _figure(response, "test_people")
    assert all(
        url.startswith("/people/?team=") for url in figure["data"][0]["customdata"]
    )
    from django.contrib.staticfiles import finders

    path = finders.find("js/dashboard.js")
    assert path is not None
    script = Path(path).read_text(encoding="utf-8")
    assert 'el.on("plotly_click"' in script
    assert "window.location.assign(url)" in script
    assert "displaylogo: false" in script


def _people_shown(client: Client) -> tuple[int, int]:
    """Return the people the chart shows and the queries the page took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    return sum(_figure(response, "test_people")["data"][0]["y"]), len(queries)


# Real commits: a chart goes stale when the transaction that changed its data
# commits, which the usual rolled-back test transaction never does.
@pytest.mark.django_db(transaction=True)
def test_charts_are_cached_until_the_data_they_depend_on_changes(
    client_as: Callable[..., Client],
) -> None:
    client = client_as("manager")
    PersonFactory()
    built, building_queries = _people_shown(client)
    cached, cached_queries = _people_shown(client)
    assert built == cached == Person.objects.filter(active=True).count()
    assert cached_queries == building_queries - 1  # the chart's own query
    # Another app's data changing leaves the chart in the cache.
    InitiativeFactory(team=None)
    assert _people_shown(client) == (built, cached_queries)
    # New people show once their transaction commits, not before.
    with transaction.atomic():
        PersonFactory()
        PersonFactory()
        assert _people_shown(client)[0] == built
        ours = [
            f for _, f, _ in connection.run_on_commit if isinstance(f, PendingChanges)
        ]
        assert len(ours) == 1  # one cache write per transaction, not per row
    assert _people_shown(client) == (built + 2, building_queries)
    # So does a bulk update, which sends no signal.
    Person.objects.update(active=False)
    assert _people_shown(client)[0] == 0
    # A rolled-back change leaves the figure as it was.
    with transaction.atomic():
        Person.objects.update(active=True)
        transaction.set_rollback(True)
    assert _people_shown(client)[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_chart_with_no_stated_dependencies_follows_every_change(
    client_as: Callable[..., Client],
) -> None:
    CHARTS["test_people"] = replace(CHARTS["test_people"], depends_on=())
    client = client_as("manager")
    _, building_queries = _people_shown(client)
    assert _people_shown(client)[1] == building_queries - 1
    InitiativeFactory(team=None)
    assert _people_shown(client)[1] == building_queries


def test_an_evicted_version_never_brings_back_a_stale_chart() -> None:
    first = versions(["people"])["people"]
    assert versions(["people"])["people"] == first
    cache.delete("dashboard:version:people")
    assert versions(["people"])["people"] not in ("", first)


@pytest.mark.parametrize(
    ("sql", "labels"),
    [
        ('INSERT INTO "people_person" ("name") VALUES (%s)', ("people", "*")),
        ('UPDATE "integrations_activityevent" SET x = 1', ("integrations", "*")),
        ("delete from staffing_suggestion where id = 1", ("staffing", "*")),
        ('INSERT OR IGNORE INTO "people_personskill" VALUES (1)', ("people", "*")),
        ('SELECT * FROM "people_person"', ()),
        ('INSERT INTO "django_session" VALUES (1)', ()),
    ],
)
def test_writes_to_teamhub_tables_mark_their_app_and_model(
    sql: str, labels: tuple[str, ...]
) -> None:
    found = changed_labels(sql)
    assert (found[0], found[-1]) == labels if labels else found == ()
    if labels:
        assert found[1].startswith(labels[0] + ".")


@pytest.mark.parametrize("path", [URL, "/dashboard/test_people.csv"])
def test_query_count_is_the_same_for_10_and_200_people(
    client_as: Callable[..., Client], path: str
) -> None:
    client = client_as("manager")
    teams = TeamFactory.create_batch(5)

    def count(people: int) -> int:
        for i in range(people):
            PersonFactory(team=teams[i % len(teams)])
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(queries)

    small = count(10)
    large = count(190)
    assert Person.objects.count() == 201
    assert small == large


@pytest.fixture
def real_charts() -> None:
    """Keep the charts teamhub.dashboard.builders registers (see test_charts)."""


@pytest.mark.parametrize("role", ["manager", "stakeholder", "admin"])
def test_every_registered_chart_renders_and_downloads_on_an_empty_organisation(
    client_as: Callable[..., Client], role: str, real_charts: None
) -> None:
    """The charts teamhub.dashboard.builders registers, page and CSV, no data."""
    if not CHARTS:
        pytest.skip("no chart module is imported by teamhub.dashboard.builders yet")
    client = client_as(role)
    response = client.get(URL)
    assert response.status_code == 200
    keys = [built.key for built in response.context["charts"]]
    for key in keys:
        download = client.get(f"/dashboard/{key}.csv")
        assert download.status_code == 200
        b"".join(download.streaming_content)
