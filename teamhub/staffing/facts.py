"""Read the database into the records scoring works on (``records.py``).

Every function here runs a constant number of queries whatever the number of
people: candidates are selected with subqueries (never an ``IN`` list of their
ids, which SQLite caps and which grows with the organisation), rows are read as
plain values, and the records are assembled in Python.

Contract (the suggestions, the evaluation and the demo call exactly these):

    role_specs(request) -> list[RoleSpec]
    candidate_facts(*, roles, as_of, replay=False, exclude_initiative_id=None)
        -> list[CandidateFacts]
    prior_success(*, before) -> float
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from types import MappingProxyType
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from teamhub.initiatives.models import Assignment, Initiative, Outcome
from teamhub.integrations.models import SkillEvidence
from teamhub.people.models import LearningGoal, Person, PersonSkill
from teamhub.staffing.models import RequiredSkill, StaffingRequest
from teamhub.staffing.records import (
    Booking,
    CandidateFacts,
    EvidenceLink,
    HeldSkill,
    PastWork,
    RoleSpec,
    SkillNeed,
)
from teamhub.staffing.scoring import contenders

# Evidence (commits, Jira issues) counts when it is at most this old.
EVIDENCE_DAYS = 365
# How many evidence links a held skill carries (the newest).
EVIDENCE_LINKS = 3
# Outcomes that make a track record, and what each counts for the success rate.
OUTCOME_VALUE: dict[str, float] = {
    Outcome.SUCCESS: 1.0,
    Outcome.PARTIAL: 0.5,
    Outcome.FAILED: 0.0,
}
PRIOR_WHEN_EMPTY = 0.5
# Up to this many people, their history is read by id (see _history).
TRACKED_BY_ID = 2000
# Up to this many past initiatives, what they asked for is read by id.
INITIATIVES_BY_ID = 2000
_NO_EXCLUDED: Mapping[int, AbstractSet[int]] = MappingProxyType({})


# -- roles -------------------------------------------------------------------------


def role_specs(request: StaffingRequest) -> list[RoleSpec]:
    """Return the request's roles as scoring sees them, in their order.

    Needs list the must-haves first, then the nice-to-haves, each by skill name.
    Four queries: the initiative, its labels, the roles and their skills.
    """
    initiative = Initiative.objects.only("id", "team_id").get(pk=request.initiative_id)
    label_ids = frozenset(initiative.labels.values_list("id", flat=True))
    needs: dict[int, list[SkillNeed]] = defaultdict(list)
    for role_id, skill_id, name, min_level, importance in RequiredSkill.objects.filter(
        role__request_id=request.pk
    ).values_list("role_id", "skill_id", "skill__name", "min_level", "importance"):
        needs[role_id].append(
            SkillNeed(
                skill_id=skill_id,
                name=name,
                min_level=min_level,
                importance="must" if importance == "must" else "nice",
            )
        )
    # Every role, with its skills; one without any cannot be created (the service
    # refuses it), but one edited in the admin could exist: it still shows.
    roles = {
        role["id"]: role
        for role in request.roles.values(
            "id", "role", "headcount", "allocation", "start", "end", "position"
        )
    }
    ordered = sorted(roles.items(), key=lambda item: (item[1]["position"], item[0]))
    return [
        RoleSpec(
            role_id=role_id,
            title=data["role"],
            headcount=data["headcount"],
            allocation=data["allocation"],
            start=data["start"],
            end=data["end"],
            needs=tuple(
                sorted(
                    needs[role_id],
                    key=lambda n: (n.importance != "must", n.name.lower()),
                )
            ),
            initiative_id=request.initiative_id,
            team_id=initiative.team_id,
            label_ids=label_ids,
        )
        for role_id, data in ordered
    ]


# -- candidates --------------------------------------------------------------------


def candidate_facts(
    *,
    roles: Sequence[RoleSpec],
    as_of: dt.date,
    replay: bool = False,
    exclude_initiative_id: int | None = None,
    alternatives: int | None = None,
    include: Collection[int] = (),
    excluded: Mapping[int, AbstractSet[int]] = _NO_EXCLUDED,
) -> list[CandidateFacts]:
    """Return what is known about every active person holding at least one skill
    the roles ask for (any level), ordered by person id.

    With ``alternatives`` (what ``request_suggest`` keeps per role), only the
    people a ranking shows or may put in a team carry their track record
    (``scoring.contenders``: every match, the closest alternatives, and
    ``include``, the accepted and locked picks; ``excluded`` are the people
    rejected per role): the others' history is left empty. It is the costliest
    fact to read, and a broad role's thousands of distant alternatives are only
    counted.

    ``replay=True`` (the offline evaluation, replaying a past initiative as of its
    start) counts only what was known before ``as_of``: bookings are the
    assignments of any status running on ``as_of`` (taken as confirmed, leaving
    out ``exclude_initiative_id``), evidence and history before it, a
    ``last_used`` or a validation after it is unknown.

    Ten queries, whatever the number of people. A broad role makes most of the
    organisation candidates, so the large reads (skills, bookings, history) come
    as plain rows from the cursor (``_raw``), without Django's per-value
    converters, and are filtered to the candidates here rather than by a
    subquery in each statement.
    """
    skill_ids = sorted({n.skill_id for r in roles for n in r.needs})
    if not skill_ids:
        return []
    staffed = {r.initiative_id for r in roles if r.initiative_id is not None}
    if exclude_initiative_id is not None:
        staffed.add(exclude_initiative_id)

    held_rows = _raw(_held_rows(skill_ids, replay=replay))
    if not held_rows:
        return []
    people: dict[int, tuple[str, int | None, str, int]] = {}
    for person_id, first_name, last_name, username, team_id, team_name, fte in _raw(
        _people_rows(skill_ids)
    ):
        full = f"{first_name} {last_name}".strip()
        people[person_id] = (
            full or username,
            team_id,
            team_name or "",
            round(float(fte) * 100),
        )
    skills: dict[int, dict[int, HeldSkill]] = defaultdict(dict)
    # Evidence and goals are read for the skills and kept for the candidates
    # here: a subquery of the candidates in each statement cost more than the
    # rows of other people it leaves out.
    evidence = _evidence(skill_ids, as_of=as_of, replay=replay)
    no_evidence = _Evidence(0, None)
    # The loops below run for tens of thousands of rows: records are built with
    # positional arguments and dates parsed inline (ISO text, see _as_text).
    iso_date = dt.date.fromisoformat
    for person_id, skill_id, level, source, last_used, validated_at in held_rows:
        used = iso_date(last_used[:10]) if last_used else None
        if replay:
            if used is not None and used > as_of:
                used = None
            validated = (
                validated_at is not None and _local_day(_moment(validated_at)) < as_of
            )
        else:
            validated = bool(validated_at)
        found = evidence.get((person_id, skill_id), no_evidence)
        skills[person_id][skill_id] = HeldSkill(
            skill_id, level, source, validated, used, found.count, found.last,
            found.links_tuple,
        )  # fmt: skip

    bookings = _bookings(
        people=people,
        as_of=as_of,
        replay=replay,
        exclude_initiative_id=exclude_initiative_id,
    )
    if alternatives is None:
        tracked: Collection[int] = people
    else:
        tracked = contenders(
            roles, skills, as_of=as_of, alternatives=alternatives, excluded=excluded
        )
        tracked.update(include)
    history = _history(
        people=people, tracked=tracked, as_of=as_of, staffed=staffed, roles=roles
    )
    goals: dict[int, dict[int, int]] = defaultdict(dict)
    for person_id, skill_id, target in LearningGoal.objects.filter(
        skill_id__in=skill_ids
    ).values_list("person_id", "skill_id", "target_level"):
        if person_id in people:
            goals[person_id][skill_id] = target

    return [
        CandidateFacts(
            person_id=person_id,
            name=name,
            team_id=team_id,
            team_name=team_name,
            capacity=capacity,
            skills=skills[person_id],
            bookings=tuple(bookings.get(person_id, ())),
            history=tuple(history.get(person_id, ())),
            goals=goals.get(person_id, {}),
        )
        for person_id, (name, team_id, team_name, capacity) in sorted(people.items())
    ]


def _raw(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """Run a ``values_list`` queryset on the cursor and return its plain rows.

    Dates come as the driver gives them (ISO text on SQLite): read them with
    ``_date`` and ``_moment``.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. an IN list of nothing: no rows, no query
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_text(field: str) -> Cast:
    """A date column as ISO text: ``_date`` reads it faster than the driver's
    converters on SQLite (thousands of rows per candidate read)."""
    return Cast(field, output_field=CharField())


def _moment(value: Any) -> dt.datetime:
    """A datetime from the cursor: aware on PostgreSQL, naive UTC text on SQLite."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _held_rows(skill_ids: Sequence[int], *, replay: bool) -> QuerySet[PersonSkill, Any]:
    """The rows of the requested skills (those of inactive people are left out
    with the people: see ``_people_rows``). Their validation time only when
    replaying, where when it happened matters; else whether they were validated
    (converting thousands of timestamps is a good part of the read)."""
    validated = (
        "validated_at"
        if replay
        else ExpressionWrapper(
            Q(validated_at__isnull=False), output_field=BooleanField()
        )
    )
    return (
        PersonSkill.objects.filter(skill_id__in=skill_ids)
        .order_by()
        .values_list(
            "person_id",
            "skill_id",
            "level",
            "source",
            _as_text("last_used"),
            validated,
        )
    )


def _people_rows(skill_ids: Sequence[int]) -> QuerySet[Person, Any]:
    """The candidates: active people holding one of the skills, with their name,
    team and capacity (once each, rather than on every skill row)."""
    holding = PersonSkill.objects.filter(skill_id__in=skill_ids).values("person_id")
    return (
        Person.objects.filter(active=True, pk__in=holding)
        .order_by()
        .values_list(
            "id",
            "user__first_name",
            "user__last_name",
            "user__username",
            "team_id",
            "team__name",
            "capacity_fte",
        )
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


class _Evidence:
    __slots__ = ("count", "last", "links")

    def __init__(self, count: int, last: dt.date | None) -> None:
        self.count = count
        self.last = last
        self.links: list[EvidenceLink] = []

    @property
    def links_tuple(self) -> tuple[EvidenceLink, ...]:
        return tuple(self.links) if self.links else ()


def _evidence(
    skill_ids: Sequence[int],
    *,
    as_of: dt.date,
    replay: bool,
) -> dict[tuple[int, int], _Evidence]:
    """Evidence per (person, skill) in the EVIDENCE_DAYS before as_of: the count,
    the latest day and the newest links (two queries)."""
    since = _day_start(as_of - dt.timedelta(days=EVIDENCE_DAYS))
    until = _day_start(as_of if replay else as_of + dt.timedelta(days=1))
    rows = SkillEvidence.objects.filter(
        skill_id__in=skill_ids, at__gte=since, at__lt=until
    )
    found: dict[tuple[int, int], _Evidence] = {}
    for person_id, skill_id, count, last in (
        rows.order_by()
        .values("person_id", "skill_id")
        .annotate(count=Count("id"), last=Max("at"))
        .values_list("person_id", "skill_id", "count", "last")
    ):
        found[(person_id, skill_id)] = _Evidence(count, _local_day(last))
    newest = (
        rows.annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("person_id"), F("skill_id")],
                order_by=[F("at").desc(), F("id").desc()],
            )
        )
        .filter(nth__lte=EVIDENCE_LINKS)
        .order_by("person_id", "skill_id", "-at", "-id")
        .values_list(
            "person_id", "skill_id", "at", "event__title", "event__url", "event__source"
        )
    )
    for person_id, skill_id, at, title, url, source in newest:
        entry = found.get((person_id, skill_id))
        if entry is not None:
            entry.links.append(
                EvidenceLink(title=title, url=url, at=_local_day(at), source=source)
            )
    return found


def _bookings(
    *,
    people: Mapping[int, Any],
    as_of: dt.date,
    replay: bool,
    exclude_initiative_id: int | None,
) -> dict[int, list[Booking]]:
    """The candidates' work not ended before as_of (one query over every
    person's current work, kept for the candidates here)."""
    rows = Assignment.objects.filter(Q(end__isnull=True) | Q(end__gte=as_of))
    if replay:
        rows = rows.filter(start__lte=as_of)
        if exclude_initiative_id is not None:
            rows = rows.exclude(initiative_id=exclude_initiative_id)
    else:
        rows = rows.filter(
            status__in=[Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED]
        )
    found: dict[int, list[Booking]] = defaultdict(list)
    proposed = Assignment.Status.PROPOSED.value
    iso_date = dt.date.fromisoformat
    for (
        person_id,
        initiative_id,
        key,
        title,
        allocation,
        start,
        end,
        status,
    ) in _raw(
        rows.order_by().values_list(
            "person_id",
            "initiative_id",
            "initiative__key",
            "initiative__title",
            "allocation",
            _as_text("start"),
            _as_text("end"),
            "status",
        )
    ):
        if person_id not in people:
            continue
        found[person_id].append(
            Booking(
                initiative_id, key, title, allocation, iso_date(start[:10]),
                iso_date(end[:10]) if end else None,
                "proposed" if not replay and status == proposed else "confirmed",
            )
        )  # fmt: skip
    return found


def _history(
    *,
    people: Mapping[int, Any],
    tracked: Collection[int],
    as_of: dt.date,
    staffed: set[int],
    roles: Sequence[RoleSpec],
) -> dict[int, list[PastWork]]:
    """Finished assignments with an outcome that ended before as_of, with the
    skills their initiatives' staffing requests asked for and their labels
    (four queries: the past work, then its initiatives' labels, how many skills
    each asked for and which of the roles' skills).

    Only work on initiatives similar to one of the roles' is kept: sharing a
    skill the role asks for, its team or one of its labels (what
    ``scoring.RoleScorer._similar`` compares); any other past initiative weighs
    nothing in a track record. ``PastWork.skill_ids`` holds the requested skills
    the roles ask for too, and ``skill_count`` how many it asked for in all:
    what a Jaccard similarity needs, without reading every skill of every past
    request.
    """
    skill_ids = {n.skill_id for r in roles for n in r.needs}
    team_ids = {r.team_id for r in roles if r.team_id is not None}
    label_ids = {label for r in roles for label in r.label_ids}
    similar = Q(
        initiative_id__in=RequiredSkill.objects.filter(
            skill_id__in=sorted(skill_ids)
        ).values("role__request__initiative_id")
    )
    if team_ids:
        similar |= Q(initiative__team_id__in=sorted(team_ids))
    if label_ids:
        similar |= Q(
            initiative_id__in=Initiative.labels.through.objects.filter(
                label_id__in=sorted(label_ids)
            ).values("initiative_id")
        )
    # A few people are asked for by id; many, by reading everyone's and keeping
    # theirs here (an IN list that long costs more than it saves).
    few = (
        [Q(person_id__any_of=sorted(tracked))]
        if len(tracked) < min(len(people), TRACKED_BY_ID)
        else []
    )
    rows = (
        Assignment.objects.filter(
            similar,
            *few,
            status=Assignment.Status.FINISHED,
            outcome__in=list(OUTCOME_VALUE),
            end__lt=as_of,
        )
        .exclude(initiative_id__in=sorted(staffed))
        .order_by()  # scoring needs no order; sorting the history costs more
        .values_list(
            "person_id",
            "initiative_id",
            "initiative__key",
            "outcome",
            "initiative__team_id",
            _as_text("end"),
        )
    )
    work = [row for row in _raw(rows) if row[0] in people and row[0] in tracked]
    # What the past initiatives asked for and their labels: for those read, by
    # id when they are few, else the whole (small) tables.
    initiative_ids = sorted({row[1] for row in work})
    by_id = (
        [Q(initiative_id__any_of=initiative_ids)]
        if len(initiative_ids) <= INITIATIVES_BY_ID
        else []
    )
    asked_by_id = (
        [Q(role__request__initiative_id__any_of=initiative_ids)] if by_id else []
    )
    labels: dict[int, set[int]] = defaultdict(set)
    for initiative_id, label_id in _raw(
        Initiative.labels.through.objects.filter(*by_id).values_list(
            "initiative_id", "label_id"
        )
    ):
        labels[initiative_id].add(label_id)
    asked = (
        RequiredSkill.objects.filter(*asked_by_id)
        .order_by()
        .values("role__request__initiative_id")
    )
    counts: dict[int, int] = dict(
        asked.annotate(n=Count("skill_id", distinct=True)).values_list(
            "role__request__initiative_id", "n"
        )
    )
    shared_skills: dict[int, set[int]] = defaultdict(set)
    for initiative_id, skill_id in (
        RequiredSkill.objects.filter(*asked_by_id, skill_id__in=sorted(skill_ids))
        .order_by()
        .values_list("role__request__initiative_id", "skill_id")
        .distinct()
    ):
        shared_skills[initiative_id].add(skill_id)
    shared: dict[int, tuple[frozenset[int], frozenset[int], int]] = {}
    iso_date = dt.date.fromisoformat
    found: dict[int, list[PastWork]] = defaultdict(list)
    for person_id, initiative_id, key, outcome, team_id, end in work:
        sets = shared.get(initiative_id)
        if sets is None:
            sets = shared[initiative_id] = (
                frozenset(shared_skills.get(initiative_id, ())),
                frozenset(labels.get(initiative_id, ())),
                counts.get(initiative_id, 0),
            )
        # (end__lt filtered out open ends; outcome__in, anything but cancelled)
        found[person_id].append(
            PastWork(
                initiative_id, key, outcome, team_id, sets[0], sets[1],
                iso_date(end[:10]), sets[2],
            )
        )  # fmt: skip
    return found


# -- the organisation --------------------------------------------------------------


def prior_success(*, before: dt.date) -> float:
    """Return the organisation's success rate on finished assignments that ended
    before ``before`` (success 1, partial 0.5, failed 0); 0.5 when there is none.
    """
    score = Case(
        *(When(outcome=outcome, then=Value(v)) for outcome, v in OUTCOME_VALUE.items()),
        output_field=FloatField(),
    )
    totals = Assignment.objects.filter(
        status=Assignment.Status.FINISHED,
        outcome__in=list(OUTCOME_VALUE),
        end__lt=before,
    ).aggregate(n=Count("id"), total=Sum(score))
    if not totals["n"]:
        return PRIOR_WHEN_EMPTY
    return float(totals["total"] or 0.0) / totals["n"]
