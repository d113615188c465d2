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
from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast

from django.db.models import (
    Case,
    Count,
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
from django.db.models.functions import RowNumber
from django.utils import timezone

from teamhub.initiatives.models import Assignment, Initiative, Outcome
from teamhub.integrations.models import SkillEvidence
from teamhub.people.models import LearningGoal, PersonSkill
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
_Outcome = Literal["success", "partial", "failed"]


# -- roles -------------------------------------------------------------------------


def role_specs(request: StaffingRequest) -> list[RoleSpec]:
    """Return the request's roles as scoring sees them, in their order.

    Needs list the must-haves first, then the nice-to-haves, each by skill name.
    Two queries: the roles with their skills, and the initiative's labels.
    """
    initiative = Initiative.objects.only("id", "team_id").get(pk=request.initiative_id)
    label_ids = frozenset(initiative.labels.values_list("id", flat=True))
    needs: dict[int, list[SkillNeed]] = defaultdict(list)
    roles: dict[int, dict[str, Any]] = {}
    rows = RequiredSkill.objects.filter(role__request_id=request.pk).values_list(
        "role_id",
        "role__role",
        "role__headcount",
        "role__allocation",
        "role__start",
        "role__end",
        "role__position",
        "skill_id",
        "skill__name",
        "min_level",
        "importance",
    )
    for (
        role_id,
        title,
        headcount,
        allocation,
        start,
        end,
        position,
        skill_id,
        name,
        min_level,
        importance,
    ) in rows:
        roles[role_id] = {
            "title": title,
            "headcount": headcount,
            "allocation": allocation,
            "start": start,
            "end": end,
            "position": position,
        }
        needs[role_id].append(
            SkillNeed(
                skill_id=skill_id,
                name=name,
                min_level=min_level,
                importance="must" if importance == "must" else "nice",
            )
        )
    # A role without skills cannot be created (the service refuses it), but one
    # edited in the admin could exist: it still shows, with nothing to score on.
    bare = request.roles.exclude(pk__in=list(roles)).values_list(
        "id", "role", "headcount", "allocation", "start", "end", "position"
    )
    for role_id, title, headcount, allocation, start, end, position in bare:
        roles[role_id] = {
            "title": title,
            "headcount": headcount,
            "allocation": allocation,
            "start": start,
            "end": end,
            "position": position,
        }
    ordered = sorted(roles.items(), key=lambda item: (item[1]["position"], item[0]))
    return [
        RoleSpec(
            role_id=role_id,
            title=data["title"],
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
) -> list[CandidateFacts]:
    """Return what is known about every active person holding at least one skill
    the roles ask for (any level), ordered by person id.

    ``replay=True`` (the offline evaluation, replaying a past initiative as of its
    start) counts only what was known before ``as_of``: bookings are the
    assignments of any status running on ``as_of`` (taken as confirmed, leaving
    out ``exclude_initiative_id``), evidence and history before it, a
    ``last_used`` or a validation after it is unknown.

    Eight queries, whatever the number of people.
    """
    skill_ids = sorted({n.skill_id for r in roles for n in r.needs})
    if not skill_ids:
        return []
    staffed = {r.initiative_id for r in roles if r.initiative_id is not None}
    if exclude_initiative_id is not None:
        staffed.add(exclude_initiative_id)
    holders = _holders(skill_ids)

    people: dict[int, dict[str, Any]] = {}
    skills: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in _held_rows(skill_ids):
        person_id = row["person_id"]
        if person_id not in people:
            full = f"{row['first_name']} {row['last_name']}".strip()
            people[person_id] = {
                "name": full or row["username"],
                "team_id": row["team_id"],
                "team_name": row["team_name"] or "",
                "capacity": round(float(row["capacity_fte"]) * 100),
            }
        skills[person_id][row["skill_id"]] = row
    if not people:
        return []

    evidence = _evidence(skill_ids, holders=holders, as_of=as_of, replay=replay)
    bookings = _bookings(
        holders=holders,
        as_of=as_of,
        replay=replay,
        exclude_initiative_id=exclude_initiative_id,
    )
    history = _history(holders=holders, as_of=as_of, staffed=staffed, roles=roles)
    goals: dict[int, dict[int, int]] = defaultdict(dict)
    for person_id, skill_id, target in LearningGoal.objects.filter(
        skill_id__in=skill_ids, person_id__in=holders
    ).values_list("person_id", "skill_id", "target_level"):
        goals[person_id][skill_id] = target

    facts = []
    for person_id in sorted(people):
        person = people[person_id]
        held = {
            skill_id: _held_skill(
                row,
                evidence.get((person_id, skill_id)),
                as_of=as_of,
                replay=replay,
            )
            for skill_id, row in skills[person_id].items()
        }
        facts.append(
            CandidateFacts(
                person_id=person_id,
                name=person["name"],
                team_id=person["team_id"],
                team_name=person["team_name"],
                capacity=person["capacity"],
                skills=held,
                bookings=tuple(bookings.get(person_id, ())),
                history=tuple(history.get(person_id, ())),
                goals=goals.get(person_id, {}),
            )
        )
    return facts


def _holders(skill_ids: Sequence[int]) -> QuerySet[PersonSkill, Any]:
    """The candidates as a subquery: active people holding one of the skills."""
    return PersonSkill.objects.filter(
        skill_id__in=skill_ids, person__active=True
    ).values("person_id")


def _held_rows(skill_ids: Sequence[int]) -> Iterable[Any]:
    return (
        PersonSkill.objects.filter(skill_id__in=skill_ids, person__active=True)
        .order_by()
        .values(
            "person_id",
            "skill_id",
            "level",
            "source",
            "last_used",
            "validated_at",
            first_name=F("person__user__first_name"),
            last_name=F("person__user__last_name"),
            username=F("person__user__username"),
            team_id=F("person__team_id"),
            team_name=F("person__team__name"),
            capacity_fte=F("person__capacity_fte"),
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


def _evidence(
    skill_ids: Sequence[int],
    *,
    holders: QuerySet[PersonSkill, Any],
    as_of: dt.date,
    replay: bool,
) -> dict[tuple[int, int], _Evidence]:
    """Evidence per (person, skill) in the EVIDENCE_DAYS before as_of: the count,
    the latest day and the newest links (two queries)."""
    since = _day_start(as_of - dt.timedelta(days=EVIDENCE_DAYS))
    until = _day_start(as_of if replay else as_of + dt.timedelta(days=1))
    rows = SkillEvidence.objects.filter(
        skill_id__in=skill_ids, person_id__in=holders, at__gte=since, at__lt=until
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


def _held_skill(
    row: dict[str, Any], evidence: _Evidence | None, *, as_of: dt.date, replay: bool
) -> HeldSkill:
    last_used: dt.date | None = row["last_used"]
    validated_at: dt.datetime | None = row["validated_at"]
    validated = validated_at is not None
    if replay:
        if last_used is not None and last_used > as_of:
            last_used = None
        validated = validated_at is not None and _local_day(validated_at) < as_of
    return HeldSkill(
        skill_id=row["skill_id"],
        level=row["level"],
        source=row["source"],
        validated=validated,
        last_used=last_used,
        recent_evidence=evidence.count if evidence else 0,
        last_evidence=evidence.last if evidence else None,
        evidence=tuple(evidence.links) if evidence else (),
    )


def _bookings(
    *,
    holders: QuerySet[PersonSkill, Any],
    as_of: dt.date,
    replay: bool,
    exclude_initiative_id: int | None,
) -> dict[int, list[Booking]]:
    rows = Assignment.objects.filter(person_id__in=holders).filter(
        Q(end__isnull=True) | Q(end__gte=as_of)
    )
    if replay:
        rows = rows.filter(start__lte=as_of)
        if exclude_initiative_id is not None:
            rows = rows.exclude(initiative_id=exclude_initiative_id)
    else:
        rows = rows.filter(
            status__in=[Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED]
        )
    found: dict[int, list[Booking]] = defaultdict(list)
    for (
        person_id,
        initiative_id,
        key,
        title,
        allocation,
        start,
        end,
        status,
    ) in rows.order_by("person_id", "start", "id").values_list(
        "person_id",
        "initiative_id",
        "initiative__key",
        "initiative__title",
        "allocation",
        "start",
        "end",
        "status",
    ):
        shown: Literal["confirmed", "proposed"] = (
            "proposed"
            if not replay and status == Assignment.Status.PROPOSED
            else "confirmed"
        )
        found[person_id].append(
            Booking(
                initiative_id=initiative_id,
                key=key,
                title=title,
                allocation=allocation,
                start=start,
                end=end,
                status=shown,
            )
        )
    return found


def _history(
    *,
    holders: QuerySet[PersonSkill, Any],
    as_of: dt.date,
    staffed: set[int],
    roles: Sequence[RoleSpec],
) -> dict[int, list[PastWork]]:
    """Finished assignments with an outcome that ended before as_of, with the
    skills their initiatives' staffing requests asked for and their labels
    (three queries).

    Only work on initiatives similar to one of the roles' is read: sharing a
    skill the role asks for, its team or one of its labels (what
    ``scoring.RoleScorer._similar`` compares); any other past initiative weighs
    nothing in a track record, and leaving it out keeps an organisation's whole
    history from being read for every request.
    """
    skill_ids = sorted({n.skill_id for r in roles for n in r.needs})
    team_ids = sorted({r.team_id for r in roles if r.team_id is not None})
    label_ids = sorted({label for r in roles for label in r.label_ids})
    similar = Q(
        initiative_id__in=RequiredSkill.objects.filter(skill_id__in=skill_ids).values(
            "role__request__initiative_id"
        )
    )
    if team_ids:
        similar |= Q(initiative__team_id__in=team_ids)
    if label_ids:
        similar |= Q(
            initiative_id__in=Initiative.labels.through.objects.filter(
                label_id__in=label_ids
            ).values("initiative_id")
        )
    rows = (
        Assignment.objects.filter(
            similar,
            person_id__in=holders,
            status=Assignment.Status.FINISHED,
            outcome__in=list(OUTCOME_VALUE),
            end__lt=as_of,
        )
        .exclude(initiative_id__in=sorted(staffed))
        .order_by("person_id", "end", "id")
    )
    initiatives = rows.values("initiative_id")
    labels: dict[int, set[int]] = defaultdict(set)
    for initiative_id, label_id in Initiative.labels.through.objects.filter(
        initiative_id__in=initiatives
    ).values_list("initiative_id", "label_id"):
        labels[initiative_id].add(label_id)
    asked: dict[int, set[int]] = defaultdict(set)
    for initiative_id, skill_id in (
        RequiredSkill.objects.filter(role__request__initiative_id__in=initiatives)
        .order_by()
        .values_list("role__request__initiative_id", "skill_id")
        .distinct()
    ):
        asked[initiative_id].add(skill_id)
    shared: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
    found: dict[int, list[PastWork]] = defaultdict(list)
    for person_id, initiative_id, key, outcome, team_id, end in rows.values_list(
        "person_id",
        "initiative_id",
        "initiative__key",
        "outcome",
        "initiative__team_id",
        "end",
    ):
        sets = shared.get(initiative_id)
        if sets is None:
            sets = shared[initiative_id] = (
                frozenset(asked.get(initiative_id, ())),
                frozenset(labels.get(initiative_id, ())),
            )
        found[person_id].append(
            PastWork(
                initiative_id=initiative_id,
                key=key,
                outcome=cast(_Outcome, outcome),
                team_id=team_id,
                skill_ids=sets[0],
                label_ids=sets[1],
                ended=cast(dt.date, end),  # end__lt filtered out open ends
            )
        )
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
