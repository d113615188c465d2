"""Write the demo organisation drawn by ``org.py`` with bulk inserts."""

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.core.services import audit_record, roles_ensure
from teamhub.initiatives.models import (
    Assignment,
    Board,
    Card,
    CardEvent,
    Column,
    Initiative,
    Label,
    ValueCheckIn,
)
from teamhub.initiatives.services_boards import board_create
from teamhub.integrations.evidence import evidence_rules_seed
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    GitRepository,
    JiraConnection,
    RawPayload,
    SkillEvidence,
    SyncRun,
)
from teamhub.people.demo import data
from teamhub.people.demo.activity import demo_activity_seed
from teamhub.people.demo.boards import BoardsPlan, Step, boards_plan, card_histories
from teamhub.people.demo.bulk import Adapt as _Adapt
from teamhub.people.demo.bulk import bulk as _bulk
from teamhub.people.demo.bulk import insert_rows as _insert_rows
from teamhub.people.demo.org import org_plan
from teamhub.people.demo.records import OrgPlan, StakeholderPlan
from teamhub.people.demo.requirements import write_requirements
from teamhub.people.demo.skills import person_skills
from teamhub.people.demo.staffing import write_staffing
from teamhub.people.models import LearningGoal, Person, PersonSkill, Team
from teamhub.people.services_taxonomy import skill_taxonomy_load
from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffRequest,
)

MIN_PEOPLE = 10
MAX_PEOPLE = 20_000
DEMO_EMAIL_DOMAIN = data.DEMO_EMAIL_DOMAIN
DEMO_PASSWORD = data.DEMO_PASSWORD
DEMO_LOGINS: tuple[str, ...] = tuple(
    login.username
    for login in (
        data.MANAGER_LOGIN,
        data.SCIENTIST_LOGIN,
        data.STAKEHOLDER_LOGIN,
        data.ADMIN_LOGIN,
    )
)
# Every generated (non-login) user shares this hash. It starts with "!", which Django
# treats as an unusable password: nobody can log in as them, and nothing is hashed.
UNUSABLE_PASSWORD = "!teamhub-demo-no-login"  # noqa: S105

Progress = Callable[[str], None]

# Columns of the high-volume tables, written with _insert_rows in this order.
PERSON_SKILL_COLUMNS = (
    "created", "updated", "person", "skill", "level", "interest", "source",
    "last_used", "validated_by", "validated_at",
)  # fmt: skip
ASSIGNMENT_COLUMNS = (
    "created", "updated", "person", "initiative", "role", "allocation", "start",
    "end", "status", "outcome",
)  # fmt: skip
CHECKIN_COLUMNS = (
    "created", "updated", "initiative", "at", "business_value", "model_metric",
    "note", "by",
)  # fmt: skip


@dataclass(frozen=True)
class DemoSeedResult:
    people: int
    teams: int
    person_skills: int
    learning_goals: int
    initiatives: int
    assignments: int
    logins: tuple[str, ...]
    seconds: float
    boards: int = 0
    cards: int = 0
    checkins: int = 0
    documents: int = 0
    commits: int = 0
    staffing_requests: int = 0


class _Clock:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.start = self.last = time.perf_counter()

    def lap(self, message: str) -> None:
        now = time.perf_counter()
        if self.progress is not None:
            self.progress(f"{message} ({now - self.last:.1f} s)")
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def _demo_users() -> "models.QuerySet[User]":
    return User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")


@transaction.atomic
def demo_registry_flush() -> dict[str, int]:
    """Delete every initiative, person and team, and the demo users.

    Skills and categories stay (the taxonomy load is idempotent), as do users
    outside the demo e-mail domain. Only allowed in demo mode.
    """
    if not settings.DEMO_MODE:
        raise PermissionDenied(
            "Flushing deletes every person, team and initiative; it is only allowed "
            "in demo mode (TEAMHUB_DEMO=1)."
        )
    deleted: dict[str, int] = {}
    # Synced activity refers to people and initiatives: it goes first, children
    # before parents. Jira connections stay, but their next run starts afresh.
    synced: tuple[models.QuerySet[Any], ...] = (
        SkillEvidence.objects.all(),
        ActivityEvent.objects.all(),
        RawPayload.objects.all(),
        SyncRun.objects.all(),
        ExternalIdentity.objects.all(),
        GitRepository.objects.all(),
    )
    for rows in synced:
        for label, count in rows.delete()[1].items():
            deleted[label] = deleted.get(label, 0) + count
    JiraConnection.objects.update(watermark=None)
    try:
        for queryset in (
            # Signed records are append-only; only this demo flush removes them.
            SignOff.objects.all(),
            SignOffRequest.objects.all(),
            DocVersion.objects.all(),
            RequirementDoc.objects.all(),
            Initiative.objects.all(),  # with their cards and check-ins
            Board.objects.all(),
            Person.objects.all(),
            Team.objects.all(),
            _demo_users(),
        ):
            if queryset.model is Team:
                Team.objects.update(parent=None)  # parents are PROTECTed
            for label, count in queryset.delete()[1].items():
                deleted[label] = deleted.get(label, 0) + count
    except (ProtectedError, RestrictedError) as exc:
        blocking = sorted({obj._meta.label for obj in exc.args[1]})
        raise ValidationError(
            "Cannot delete the demo registry: other records still refer to it "
            f"({', '.join(blocking)}). Reset the database instead."
        ) from exc
    return {
        "initiatives": deleted.get("initiatives.Initiative", 0),
        "people": deleted.get("people.Person", 0),
        "teams": deleted.get("people.Team", 0),
        "users": deleted.get("core.User", 0),
    }


@transaction.atomic
def demo_org_seed(
    *,
    people: int,
    seed: int,
    logins: bool = True,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSeedResult:
    """Build the demo organisation for ``seed`` in an empty registry.

    The same ``seed``, ``people`` and ``today`` always write the same rows. Dates are
    relative to ``today`` (default: the current date), so the data stays current.
    Demo logins (password ``teamhub-demo``) need ``settings.DEMO_MODE``.
    """
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise ValidationError(
            {"people": [f"Choose from {MIN_PEOPLE} to {MAX_PEOPLE:,} people."]}
        )
    if logins and not settings.DEMO_MODE:
        raise PermissionDenied(
            "Demo logins (password teamhub-demo) are only created in demo mode "
            "(TEAMHUB_DEMO=1)."
        )
    if Person.objects.exists() or Initiative.objects.exists():
        raise ValidationError("The registry already holds people or initiatives.")
    if _demo_users().exists():
        raise ValidationError("Demo users already exist; flush them first.")
    today = today or timezone.localdate()
    clock = _Clock(progress)

    plan = org_plan(people=people, seed=seed, today=today, logins=logins)
    _check_usernames_free(plan)
    clock.lap(
        f"Planned {len(plan.people):,} people, {len(plan.initiatives):,} initiatives, "
        f"{len(plan.assignments):,} assignments"
    )

    taxonomy = skill_taxonomy_load()
    evidence_rules_seed()
    skills = {name: skill.pk for name, skill in taxonomy.skills.items()}
    clock.lap(f"Skill taxonomy: {len(skills)} skills, {taxonomy.skills_created} new")

    teams = _write_teams(plan)
    users, persons = _write_people(plan, teams=teams, logins=logins)
    clock.lap(f"People: {len(persons):,} in {len(teams):,} teams")

    n_skills, n_goals = _write_skills(plan, skills=skills, users=users, persons=persons)
    clock.lap(f"Skills: {n_skills:,} person skills, {n_goals:,} learning goals")

    extras = boards_plan(plan)
    initiative_ids, n_assignments = _write_work(
        plan, extras, teams=teams, persons=persons
    )
    n_initiatives = len(initiative_ids)
    clock.lap(f"Initiatives: {n_initiatives:,} with {n_assignments:,} assignments")
    open_requests = write_staffing(
        plan, initiative_ids=initiative_ids, users=users, skills=skills
    )
    clock.lap(f"Staffing requests: {len(plan.requests):,} ({len(open_requests)} open)")

    n_checkins = _write_checkins(
        plan, extras, initiative_ids=initiative_ids, users=users
    )
    n_boards, n_cards = _write_boards(
        plan,
        extras,
        teams=teams,
        initiative_ids=initiative_ids,
        actor=users[plan.manager_index] if plan.manager_index is not None else None,
        users=users,
    )
    clock.lap(
        f"Boards: {n_boards} with {n_cards:,} cards; {n_checkins:,} value check-ins"
    )
    n_documents = 0
    if logins and plan.manager_index is not None:
        signers = list(
            User.objects.filter(
                username__in=[
                    data.STAKEHOLDER_LOGIN.username,
                    data.ADMIN_LOGIN.username,
                ]
            ).order_by("-username")  # the stakeholder first
        )
        n_documents = write_requirements(
            author=User.objects.get(pk=users[plan.manager_index]),
            signers=signers,
            scientist=User.objects.filter(
                username=data.SCIENTIST_LOGIN.username
            ).first(),
            today=today,
        )
        clock.lap(f"Requirement documents: {n_documents} in every sign-off state")

    activity = demo_activity_seed(
        seed=seed,
        today=today,
        requested_by=(
            User.objects.filter(username=data.ADMIN_LOGIN.username).first()
            if logins
            else None
        ),
    )
    if activity.run is None:
        clock.lap("Git activity: skipped (git is not installed or nobody works)")
    else:
        clock.lap(
            f"Git activity: {activity.commits} commits by {activity.authors} authors "
            f"synced from {activity.repository}"
        )

    _compute_suggestions(open_requests)
    clock.lap(f"Suggestions computed for {len(open_requests)} open staffing requests")

    result = DemoSeedResult(
        people=len(persons),
        teams=len(teams),
        person_skills=n_skills,
        learning_goals=n_goals,
        initiatives=n_initiatives,
        assignments=n_assignments,
        logins=DEMO_LOGINS if logins else (),
        seconds=clock.total,
        boards=n_boards,
        cards=n_cards,
        checkins=n_checkins,
        documents=n_documents,
        commits=activity.commits,
        staffing_requests=len(plan.requests),
    )
    audit_record(
        actor=None,
        verb="demo.seeded",
        target=Team.objects.get(pk=teams[0]),
        data={"seed": seed, "people": people, "today": today.isoformat()},
    )
    return result


def _compute_suggestions(request_ids: Sequence[int]) -> None:
    """Compute the open requests' suggestions, as the task would on creation."""
    from teamhub.staffing.models import StaffingRequest
    from teamhub.staffing.suggestions import request_compute

    for request in StaffingRequest.objects.filter(pk__in=request_ids).order_by("pk"):
        request_compute(request=request)


def _check_usernames_free(plan: OrgPlan) -> None:
    """Refuse, before writing anything, if a drawn username is already taken."""
    wanted = [p.username for p in plan.people] + [s.username for s in plan.stakeholders]
    if plan.admin is not None and plan.admin.login:
        wanted.append(plan.admin.username)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        taken = list(User.objects.filter(username__in=chunk).values_list("username"))
        if taken:
            names = ", ".join(sorted(name for (name,) in taken)[:5])
            raise ValidationError(f"Usernames already taken: {names}.")


def _write_teams(plan: OrgPlan) -> list[int]:
    """Create the teams parents first, reusing any of the same name.

    Return their ids by plan index.
    """
    ids: list[int] = [0] * len(plan.teams)
    existing = dict(
        Team.objects.filter(name__in=[t.name for t in plan.teams]).values_list(
            "name", "pk"
        )
    )
    depth = {0: 0}
    for team in plan.teams[1:]:
        assert team.parent is not None
        depth[team.index] = depth[team.parent] + 1
    for team in plan.teams:
        ids[team.index] = existing.get(team.name, 0)
    for level in sorted(set(depth.values())):
        batch = [t for t in plan.teams if depth[t.index] == level and not ids[t.index]]
        created = _bulk(
            Team,
            (
                Team(
                    name=t.name,
                    parent_id=ids[t.parent] if t.parent is not None else None,
                )
                for t in batch
            ),
        )
        for t, obj in zip(batch, created, strict=True):
            ids[t.index] = obj.pk
    return ids


def _write_work(
    plan: OrgPlan, extras: BoardsPlan, *, teams: list[int], persons: list[int]
) -> tuple[list[int], int]:
    """Create the initiatives (with their labels) and assignments; return the
    initiative ids by plan index and the number of assignments."""
    initiatives = _bulk(
        Initiative,
        (
            Initiative(
                key=i.key,
                title=i.title,
                summary=i.summary,
                team_id=teams[i.team],
                owner_id=persons[i.owner],
                business_kpi=i.business_kpi,
                kpi_target=i.kpi_target,
                stage=i.stage,
                mission_criticality=i.mission_criticality,
                pathway=i.pathway,
                pipeline_owner=i.pipeline_owner,
                compute_complexity=i.compute_complexity,
                ml_complexity=i.ml_complexity,
                start=i.start,
                target_date=i.target_date,
                outcome=i.outcome,
                model_metric_name=extras.metric_names.get(i.index, ""),
                hardening_plan=extras.hardening_plans.get(i.index, ""),
            )
            for i in plan.initiatives
        ),
    )
    initiative_ids = [i.pk for i in initiatives]
    labels = _labels(extras)
    through = Initiative.labels.through
    _bulk(
        through,
        (
            through(initiative_id=initiative_ids[index], label_id=labels[name])
            for index, names in sorted(extras.initiative_labels.items())
            for name in names
        ),
    )
    adapt = _Adapt()
    n_assignments = _insert_rows(
        Assignment,
        ASSIGNMENT_COLUMNS,
        (
            (
                adapt.now, adapt.now, persons[a.person], initiative_ids[a.initiative],
                a.role, a.allocation, adapt.date(a.start), adapt.date(a.end),
                a.status, a.outcome,
            )
            for a in plan.assignments
        ),
    )  # fmt: skip
    return initiative_ids, n_assignments


def _labels(extras: BoardsPlan) -> dict[str, int]:
    """Create the demo labels, reusing any of the same name; return name -> id."""
    existing = dict(Label.objects.values_list("name", "pk"))
    _bulk(
        Label,
        (
            Label(name=name, color=color)
            for name, color in extras.labels
            if name not in existing
        ),
    )
    return dict(Label.objects.values_list("name", "pk"))


def _write_checkins(
    plan: OrgPlan, extras: BoardsPlan, *, initiative_ids: list[int], users: list[int]
) -> int:
    """Insert the value check-ins, each recorded by the initiative's owner."""
    adapt = _Adapt()
    return _insert_rows(
        ValueCheckIn,
        CHECKIN_COLUMNS,
        (
            (
                adapt.now, adapt.now, initiative_ids[c.initiative], adapt.date(c.at),
                c.business_value, c.model_metric, c.note,
                users[plan.initiatives[c.initiative].owner],
            )
            for c in extras.checkins
        ),
    )  # fmt: skip


def _write_boards(
    plan: OrgPlan,
    extras: BoardsPlan,
    *,
    teams: list[int],
    initiative_ids: list[int],
    actor: int | None,
    users: list[int],
) -> tuple[int, int]:
    """Create the boards from the ML lifecycle template, with the cards' past
    moves; return boards and cards."""
    if actor is None:
        return 0, 0
    manager = User.objects.get(pk=actor)
    drawn = card_histories(
        plan,
        [i for board_plan in extras.boards for i in board_plan.initiatives],
        tz=timezone.get_current_timezone(),
    )
    # By initiative id: the history and who moved the card (the owner).
    histories = {initiative_ids[i]: steps for i, steps in drawn.items()}
    owners = {initiative_ids[i]: users[plan.initiatives[i].owner] for i in drawn}
    cards = 0
    for board_plan in extras.boards:
        initiatives = list(
            Initiative.objects.filter(
                pk__in=[initiative_ids[i] for i in board_plan.initiatives]
            )
        )
        board = board_create(
            actor=manager,
            name=board_plan.name,
            team=(
                Team.objects.get(pk=teams[board_plan.team])
                if board_plan.team is not None
                else None
            ),
            description=board_plan.description,
            swimlanes=board_plan.swimlanes,
            initiatives=initiatives,
        )
        for stage, (limit, hard) in board_plan.wip.items():
            Column.objects.filter(board=board, stage=stage).update(
                wip_limit=limit, wip_hard=hard
            )
        _write_card_history(board, histories, manager=actor, owners=owners)
        cards += len(initiatives)
    return len(extras.boards), cards


def _write_card_history(
    board: Board,
    histories: dict[int, list[Step]],
    *,
    manager: int,
    owners: dict[int, int],
) -> None:
    """Replace the "created now" entries ``board_create`` wrote with each card's
    past: created by the manager, then moved column to column by the owner, as
    ``card_move`` records it. A card whose history does not end in its column
    (its board lacks a column of its stage) keeps its creation only."""
    names: dict[str, str] = {}
    for stage, name in board.columns.order_by("position", "id").values_list(
        "stage", "name"
    ):
        names.setdefault(stage, name)
    cards = list(
        Card.objects.filter(board=board).values_list(
            "pk", "initiative_id", "column__name"
        )
    )
    CardEvent.objects.filter(board=board).delete()
    events = []
    for card_id, initiative_id, column in cards:
        steps = histories[initiative_id]
        if any(step.stage not in names for step in steps) or (
            names[steps[-1].stage] != column
        ):
            steps = []  # only the creation, in the card's column
        events.append(
            CardEvent(
                card_id=card_id,
                board_id=board.pk,
                initiative_id=initiative_id,
                actor_id=manager,
                verb=CardEvent.Verb.CREATED,
                to_column=names[steps[0].stage] if steps else column,
                at=histories[initiative_id][0].at,
            )
        )
        for before, step in itertools.pairwise(steps):
            events.append(
                CardEvent(
                    card_id=card_id,
                    board_id=board.pk,
                    initiative_id=initiative_id,
                    actor_id=owners[initiative_id],
                    verb=CardEvent.Verb.MOVED,
                    from_column=names[before.stage],
                    to_column=names[step.stage],
                    data={"changes": {"stage": step.stage}, "warnings": []},
                    at=step.at,
                )
            )
    _bulk(CardEvent, events)


def _user(someone: Any, *, password: str, admin: bool = False) -> User:
    return User(
        username=someone.username,
        email=someone.email,
        first_name=someone.first_name,
        last_name=someone.last_name,
        password=password,
        is_staff=admin,
        is_superuser=admin,
    )


def _write_people(
    plan: OrgPlan, *, teams: list[int], logins: bool
) -> tuple[list[int], list[int]]:
    """Create users, people (managers first) and role memberships.

    Return the user ids and person ids by plan index.
    """
    groups: dict[str, Group] = roles_ensure()
    login_hash = make_password(DEMO_PASSWORD) if logins else UNUSABLE_PASSWORD

    def password(someone: Any) -> str:
        return login_hash if someone.login else UNUSABLE_PASSWORD

    created = _bulk(User, (_user(p, password=password(p)) for p in plan.people))
    user_ids = [u.pk for u in created]

    person_ids: list[int] = [0] * len(plan.people)
    for tier in range(4):
        batch = [p for p in plan.people if p.tier == tier]
        objs = _bulk(
            Person,
            (
                Person(
                    user_id=user_ids[p.index],
                    team_id=teams[p.team],
                    title=p.title,
                    location=p.location,
                    timezone=p.timezone,
                    capacity_fte=p.capacity,
                    manager_id=person_ids[p.manager] if p.manager is not None else None,
                    active=True,
                )
                for p in batch
            ),
        )
        for p, obj in zip(batch, objs, strict=True):
            person_ids[p.index] = obj.pk

    extra: list[StakeholderPlan] = list(plan.stakeholders)
    if logins and plan.admin is not None:
        extra.append(plan.admin)
    extra_users = _bulk(
        User,
        (_user(s, password=password(s), admin=s is plan.admin) for s in extra),
    )
    memberships = [(user_ids[p.index], groups[p.role].pk) for p in plan.people]
    for s, u in zip(extra, extra_users, strict=True):
        role = Role.ADMIN if s is plan.admin else Role.STAKEHOLDER
        memberships.append((u.pk, groups[role].pk))
    through = User.groups.through
    _bulk(through, (through(user_id=u, group_id=g) for u, g in memberships))
    return user_ids, person_ids


def _write_skills(
    plan: OrgPlan, *, skills: dict[str, int], users: list[int], persons: list[int]
) -> tuple[int, int]:
    """Stream each person's skills and goals to the database; return the counts."""
    adapt = _Adapt()
    goals: list[tuple[Any, ...]] = []

    def skill_rows() -> Iterator[tuple[Any, ...]]:
        for person in plan.people:
            person_id = persons[person.index]
            drawn = plan.skills.pop(person.index, None)
            rows, person_goals = drawn or person_skills(plan, person)
            for r in rows:
                validator = (
                    users[r.validated_by] if r.validated_by is not None else None
                )
                yield (
                    adapt.now, adapt.now, person_id, skills[r.skill], r.level,
                    r.interest, r.source, adapt.date(r.last_used), validator,
                    adapt.datetime(r.validated_at),
                )  # fmt: skip
            goals.extend(
                (
                    adapt.now,
                    adapt.now,
                    person_id,
                    skills[g.skill],
                    g.target_level,
                    g.note,
                )
                for g in person_goals
            )

    n_skills = _insert_rows(
        PersonSkill,
        PERSON_SKILL_COLUMNS,
        skill_rows(),
    )
    n_goals = _insert_rows(
        LearningGoal,
        ("created", "updated", "person", "skill", "target_level", "note"),
        goals,
    )
    return n_skills, n_goals
