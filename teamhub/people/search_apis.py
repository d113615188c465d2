"""Skill search API: ``GET /api/people/search/`` for managers staffing work."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from teamhub.core.permissions import IsManager
from teamhub.people.search.presenters import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    facets_data,
    resolution_data,
    skill_search,
)
from teamhub.people.search.query import QueryError, Term, query_parse
from teamhub.people.search.selectors import MODES, WINDOW_ORDER_MESSAGE

Q_HELP = (
    'Skills with minimum levels: "pytorch:4 nlp:3", "nlp>=3", '
    '"time series forecasting:3", "\\"deep learning\\":2 sql" or comma-separated '
    '"natural language processing:3, pytorch". No level means 1. Names, aliases '
    "and small typos resolve; the response's resolved list says how."
)


class SkillRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SearchPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    title = serializers.CharField()
    team = TeamRefSerializer(allow_null=True)
    url = serializers.CharField(help_text="The person's profile page.")


class SkillHitSerializer(serializers.Serializer):
    skill = SkillRefSerializer()
    level = serializers.IntegerField(
        allow_null=True, help_text="Level held, null if the person lacks the skill."
    )
    min_level = serializers.IntegerField()


class SearchResultSerializer(serializers.Serializer):
    person = SearchPersonSerializer()
    match = serializers.ChoiceField(
        choices=["full", "partial"],
        help_text=(
            "full: satisfies the query (every term in mode all, at least one in "
            "mode any); partial: meets some terms but not all (mode all)."
        ),
    )
    score = serializers.FloatField(help_text="Share of the terms met, 0-1.")
    terms_met = serializers.IntegerField()
    excess = serializers.IntegerField(
        help_text="Levels above the minimums, summed over the terms met."
    )
    last_used = serializers.DateField(
        allow_null=True, help_text="Most recent use of a skill met."
    )
    free_fraction = serializers.FloatField(
        help_text=(
            "capacity_fte minus the peak concurrent confirmed allocation in the "
            "window, 0-1."
        )
    )
    matched = SkillHitSerializer(many=True)
    missing = SkillHitSerializer(many=True)


class ResolvedTermSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The term as typed.")
    min_level = serializers.IntegerField()
    skill = SkillRefSerializer()
    how = serializers.ChoiceField(choices=["name", "alias", "fuzzy"])
    score = serializers.FloatField(
        allow_null=True, help_text="Similarity 0-100 of a fuzzy guess."
    )


class TeamFacetSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    count = serializers.IntegerField()


class LevelCountSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    count = serializers.IntegerField()


class LevelFacetSerializer(serializers.Serializer):
    skill = SkillRefSerializer()
    counts = LevelCountSerializer(many=True)


class MatchFacetSerializer(serializers.Serializer):
    full = serializers.IntegerField()
    # DRF pops declared fields off the class, so this does not shadow .partial.
    partial = serializers.IntegerField()  # type: ignore[assignment]


class FacetsSerializer(serializers.Serializer):
    teams = TeamFacetSerializer(
        many=True, help_text="People per team; ignores the team filter itself."
    )
    levels = LevelFacetSerializer(many=True)
    match = MatchFacetSerializer()


class WindowSerializer(serializers.Serializer):
    available_from = serializers.DateField()
    available_to = serializers.DateField()


class PeopleSearchOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    mode = serializers.ChoiceField(choices=list(MODES))
    window = WindowSerializer()
    resolved = ResolvedTermSerializer(many=True)
    results = SearchResultSerializer(many=True)
    facets = FacetsSerializer()


class PeopleSearchApi(APIView):
    """Find people by skills and minimum levels, with their free capacity."""

    permission_classes = [IsAuthenticated, IsManager]

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(
            required=False,
            default="",
            allow_blank=True,
            trim_whitespace=True,
            max_length=1000,
            help_text=Q_HELP,
        )
        mode = serializers.ChoiceField(
            choices=list(MODES),
            default="all",
            help_text=(
                "all: people with every skill first, then partial matches; any: "
                "people with any of the skills, most skills first."
            ),
        )
        team = serializers.IntegerField(required=False, min_value=1)
        team_only = serializers.BooleanField(
            default=False,
            help_text="With team: only its own members, not the teams below it.",
        )
        available_from = serializers.DateField(required=False)
        available_to = serializers.DateField(required=False)
        min_free = serializers.DecimalField(
            required=False,
            max_digits=4,
            decimal_places=3,
            min_value=0,
            max_value=1,
            help_text="Minimum free capacity over the window, 0-1 of a full week.",
        )
        page = serializers.IntegerField(required=False, min_value=1, default=1)
        page_size = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=MAX_PAGE_SIZE,
            default=DEFAULT_PAGE_SIZE,
        )

        def validate_q(self, value: str) -> list[Term]:
            try:
                return query_parse(value)
            except QueryError as exc:
                raise serializers.ValidationError(exc.messages) from exc

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            start, end = attrs.get("available_from"), attrs.get("available_to")
            if start and end and start > end:
                raise serializers.ValidationError(
                    {"available_to": [WINDOW_ORDER_MESSAGE]}
                )
            return attrs

    @extend_schema(
        parameters=[
            InputSerializer,
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description=Q_HELP),
        ],
        responses=PeopleSearchOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        min_free = params.get("min_free")
        try:
            found = skill_search(
                terms=params["q"],
                mode=params["mode"],
                team_id=params.get("team"),
                team_only=params["team_only"],
                available_from=params.get("available_from"),
                available_to=params.get("available_to"),
                min_free=float(min_free) if min_free is not None else None,
                page=params["page"],
                page_size=params["page_size"],
                strict_page=True,
            )
        except EmptyPage as exc:
            raise NotFound("Invalid page.") from exc
        # The profile URLs are absolute paths: one build_absolute_uri for the host.
        origin = request.build_absolute_uri("/").removesuffix("/")
        for row in found.rows:
            row["person"]["url"] = origin + row["person"]["url"]
        page = found.page
        url = request.build_absolute_uri()
        payload = {
            "count": found.result.count,
            "page": page.number,
            "page_size": params["page_size"],
            "next": replace_query_param(url, "page", page.next_page_number())
            if page.has_next()
            else None,
            "previous": replace_query_param(url, "page", page.previous_page_number())
            if page.has_previous()
            else None,
            "mode": found.result.mode,
            "window": {
                "available_from": found.result.available_from,
                "available_to": found.result.available_to,
            },
            "resolved": [resolution_data(r) for r in found.resolutions],
            "results": found.rows,
            "facets": facets_data(found.result),
        }
        # The payload is built in exactly PeopleSearchOutputSerializer's shape (the
        # tests check it); running thousands of nested fields through DRF would
        # cost more than the search's own SQL.
        return Response(payload)


urlpatterns: list[URLPattern | URLResolver] = [
    path("people/search/", PeopleSearchApi.as_view(), name="api-people-search"),
]
