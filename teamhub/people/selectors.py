"""Reads for the people pages: directory, profile, skill holders and the catalogue.

Every selector issues a fixed number of queries whatever the size of the data, so
the pages built on them stay constant-query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from teamhub.initiatives.models import Assignment, Outcome
from teamhub.people.models import (
    LearningGoal,
    Level,
    Person,
    PersonSkill,
    Skill,
    SkillCategory,
    Team,
)

TOP_SKILLS = 3


def team_and_sub_team_ids(team_id: int) -> set[int]:
    """Return ``team_id`` and the ids of every team below it (one query).

    A department's people are in its teams, so the team filters of the directory
    and the people search count a team's sub-teams as its own. The tree is read
    once and walked here (a few hundred rows). An unknown id gives only itself,
    which no one's team has: the filters then behave as before.
    """
    children: dict[int, list[int]] = {}
    for pk, parent_id in Team.objects.values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    todo = [team_id]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, ()))
    return found


def _count_subquery(queryset: QuerySet, *, by: str) -> Coalesce:
    """Return ``COUNT(*)`` of ``queryset`` grouped by the column ``by`` (0 if none)."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _current_level() -> Subquery:
    """Return, for a learning-goal row, the person's current level of its skill."""
    return Subquery(
        PersonSkill.objects.filter(
            person=OuterRef("person"), skill=OuterRef("skill")
        ).values("level")[:1],
        output_field=IntegerField(),
    )


def current_assignments_q(today: date, *, prefix: str = "") -> Q:
    """Return the filter for assignments overlapping ``today`` (start ≤ today ≤ end)."""
    return Q(**{f"{prefix}start__lte": today}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": today})
    )


def people_directory(
    *,
    team_id: int | None = None,
    team_only: bool = False,
    skill_id: int | None = None,
    min_level: int | None = None,
    search: str = "",
    active_only: bool = True,
) -> QuerySet[Person]:
    """Return the people the directory lists, filtered and in name order.

    Filters: ``team_id`` (members of that team or of a team below it, one more
    query for the team tree; with ``team_only``, of that team only), ``skill_id``
    with optional
    ``min_level`` (holds that skill at ≥ the level; level 1 when not given),
    ``min_level`` alone (holds at least one skill at ≥ the level), ``search``
    (every word must match first or last name, username or e-mail).

    The queryset carries no annotations, so counting it for the paginator is a plain
    ``COUNT(*)`` of the filtered people. Slice it for a page and pass the slice to
    ``people_directory_details`` for what each row shows.
    """
    people = Person.objects.all()
    if active_only:
        people = people.filter(active=True)
    if team_id is not None and team_only:
        people = people.filter(team_id=team_id)
    elif team_id is not None:
        people = people.filter(team_id__in=team_and_sub_team_ids(team_id))
    if skill_id is not None:
        people = people.filter(
            Exists(
                PersonSkill.objects.filter(
                    person=OuterRef("pk"), skill_id=skill_id, level__gte=min_level or 1
                )
            )
        )
    elif min_level is not None:
        people = people.filter(
            Exists(
                PersonSkill.objects.filter(person=OuterRef("pk"), level__gte=min_level)
            )
        )
    for word in search.split():
        people = people.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
            | Q(user__email__icontains=word)
        )
    return people


@dataclass(frozen=True)
class TopSkill:
    """One of a person's highest skill levels, as the directory shows it."""

    skill_id: int
    name: str
    level: int

    @property
    def level_label(self) -> str:
        return Level(self.level).label


def people_directory_details(
    *,
    people: QuerySet[Person],
    skill_id: int | None = None,
    today: date | None = None,
) -> list[Person]:
    """Return ``people`` (usually one page of ``people_directory``) ready to display.

    Only the people of ``people`` are read, whatever the number of others: a sliced
    queryset stays a ``LIMIT`` subquery. Each person comes with ``user`` and ``team``
    and carries ``current_allocation`` (sum of the percentages of confirmed
    assignments overlapping ``today``), ``skill_count``, ``matched_level`` (their
    level of ``skill_id``, else None) and ``top_skills`` (their ``TOP_SKILLS``
    highest levels as ``TopSkill``, ties by skill name). In name order; two queries.
    """
    today = today or timezone.localdate()
    allocation = (
        Assignment.objects.filter(
            current_assignments_q(today),
            person=OuterRef("pk"),
            status=Assignment.Status.CONFIRMED,
        )
        .order_by()
        .values("person")
        .annotate(total=Sum("allocation"))
        .values("total")
    )
    # A sliced ``people`` becomes ``id IN (SELECT ... LIMIT n OFFSET m)``, which
    # SQLite and PostgreSQL run (MySQL would not).
    found: list[Person] = list(
        Person.objects.filter(pk__in=people.values("pk"))
        .select_related("user", "team")
        .annotate(
            current_allocation=Coalesce(
                Subquery(allocation, output_field=IntegerField()), 0
            )
        )
    )
    # Every skill of the page's people (a few dozen each) as bare tuples: counting
    # and ranking them here is several times faster than a window-function prefetch
    # of model instances, and gives the count and the filtered level for free.
    held: dict[int, list[tuple[int, str, int]]] = {person.pk: [] for person in found}
    person_skills = (
        PersonSkill.objects.filter(person_id__in=list(held))
        .order_by()
        .values_list("person_id", "level", "skill__name", "skill_id")
    )
    for person_id, level, name, held_skill_id in person_skills:
        held[person_id].append((level, name, held_skill_id))
    for person in found:
        skills = held[person.pk]
        skills.sort(key=lambda skill: (-skill[0], skill[1]))
        person.skill_count = len(skills)  # type: ignore[attr-defined]
        person.top_skills = [  # type: ignore[attr-defined]
            TopSkill(skill_id=held_id, name=name, level=level)
            for level, name, held_id in skills[:TOP_SKILLS]
        ]
        person.matched_level = next(  # type: ignore[attr-defined]
            (level for level, _, held_id in skills if held_id == skill_id), None
        )
    return found


def free_capacity(*, capacity_fte: Decimal, allocated_percent: int) -> Decimal:
    """Return ``capacity_fte`` minus the allocated share (negative when over-booked)."""
    return (Decimal(capacity_fte) - Decimal(allocated_percent) / 100).quantize(
        Decimal("0.01")
    )


@dataclass(frozen=True)
class SkillGroup:
    category: SkillCategory
    skills: list[PersonSkill]


@dataclass(frozen=True)
class PersonProfile:
    """Everything the profile page shows about one person."""

    person: Person
    skill_groups: list[SkillGroup]
    learning_goals: Sequence[LearningGoal]
    current_assignments: list[Assignment]
    upcoming_assignments: list[Assignment]
    past_projects: list[Assignment]
    allocated_percent: int
    free_capacity: Decimal
    successes: int
    outcomes_counted: int
    today: date

    @property
    def success_rate(self) -> float | None:
        """Return successes / counted outcomes (0-1), None when nothing counts yet."""
        if not self.outcomes_counted:
            return None
        return self.successes / self.outcomes_counted

    @property
    def skill_count(self) -> int:
        return sum(len(group.skills) for group in self.skill_groups)


def person_profile(*, person_id: int, today: date | None = None) -> PersonProfile:
    """Return the profile of one person in four queries.

    Raises ``Person.DoesNotExist`` for an unknown id. Learning goals carry
    ``current_level`` (the person's level of that skill, None if they have none).

    - Current assignments: status confirmed or proposed, overlapping ``today``.
    - Upcoming: confirmed or proposed, starting after ``today``.
    - Past projects: status finished, or confirmed with an end before ``today``.
      Proposals whose dates passed never happened, so they are left out.
    - Allocation and free capacity count confirmed current assignments only:
      ``free = capacity_fte - sum(allocation) / 100`` (negative when over-booked).
    - Success rate: assignments with outcome ``success`` divided by all the
      person's assignments with an outcome other than ``cancelled`` (a cancelled
      project says nothing about how the person did); ``partial`` and ``failed``
      count as not successful. None when no assignment has such an outcome.
    """
    today = today or timezone.localdate()
    person = Person.objects.select_related("user", "team", "manager__user").get(
        pk=person_id
    )
    skills = list(
        PersonSkill.objects.filter(person=person)
        .select_related("skill__category", "validated_by")
        .order_by("skill__category__name", "-level", "skill__name")
    )
    groups: list[SkillGroup] = []
    for person_skill in skills:
        category = person_skill.skill.category
        if not groups or groups[-1].category.pk != category.pk:
            groups.append(SkillGroup(category=category, skills=[]))
        groups[-1].skills.append(person_skill)
    goals = list(
        LearningGoal.objects.filter(person=person)
        .select_related("skill")
        .annotate(current_level=_current_level())
        .order_by("skill__name")
    )
    assignments = list(
        Assignment.objects.filter(person=person)
        .select_related("initiative")
        .order_by("-start", "-id")
    )
    active = {Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED}
    current, upcoming, past = [], [], []
    for assignment in assignments:
        ended = assignment.end is not None and assignment.end < today
        if assignment.status == Assignment.Status.FINISHED or (
            ended and assignment.status == Assignment.Status.CONFIRMED
        ):
            past.append(assignment)
        elif assignment.status in active and not ended:
            if assignment.start > today:
                upcoming.append(assignment)
            else:
                current.append(assignment)
    allocated = sum(
        a.allocation for a in current if a.status == Assignment.Status.CONFIRMED
    )
    counted = [a for a in assignments if a.outcome and a.outcome != Outcome.CANCELLED]
    return PersonProfile(
        person=person,
        skill_groups=groups,
        learning_goals=goals,
        current_assignments=current,
        upcoming_assignments=sorted(upcoming, key=lambda a: (a.start, a.pk)),
        past_projects=past,
        allocated_percent=allocated,
        free_capacity=free_capacity(
            capacity_fte=person.capacity_fte, allocated_percent=allocated
        ),
        successes=sum(1 for a in counted if a.outcome == Outcome.SUCCESS),
        outcomes_counted=len(counted),
        today=today,
    )


@dataclass(frozen=True)
class LevelGroup:
    level: int
    label: str
    holders: list[PersonSkill]
    count: int  # everyone at this level; ``holders`` lists the first few

    @property
    def more(self) -> int:
        return self.count - len(self.holders)


@dataclass(frozen=True)
class SkillHolders:
    """Who holds one skill at each level and who wants to learn it."""

    skill: Skill
    levels: list[LevelGroup]
    learners: Sequence[LearningGoal]

    @property
    def holder_count(self) -> int:
        return sum(group.count for group in self.levels)


# A skill page lists this many holders per level; the directory, filtered by the
# skill and level, lists them all.
HOLDERS_PER_LEVEL = 25


def skill_holders(*, skill_id: int) -> SkillHolders:
    """Return the holders of a skill grouped by level (5 → 1) and its learners.

    Only active people are listed. Every level appears, possibly with nobody, with
    its head count and at most ``HOLDERS_PER_LEVEL`` people (validated levels first).
    Each learning goal carries ``current_level`` (None if the learner has no level
    yet). Four queries; raises ``Skill.DoesNotExist`` for an unknown id.
    """
    skill = Skill.objects.select_related("category", "parent").get(pk=skill_id)
    active = PersonSkill.objects.filter(skill=skill, person__active=True)
    counts = dict(
        active.order_by()
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    holders = (
        active.select_related("person__user", "person__team", "validated_by")
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("level")],
                order_by=[
                    F("validated_at").desc(nulls_last=True),
                    F("person__user__last_name").asc(),
                    F("person__user__first_name").asc(),
                ],
            )
        )
        .filter(place__lte=HOLDERS_PER_LEVEL)
        .order_by("-level", "place")
    )
    by_level: dict[int, list[PersonSkill]] = {level: [] for level in Level.values}
    for holder in holders:
        by_level[holder.level].append(holder)
    learners = list(
        LearningGoal.objects.filter(skill=skill, person__active=True)
        .select_related("person__user", "person__team")
        .annotate(current_level=_current_level())
        .order_by("-target_level", "person__user__last_name")
    )
    return SkillHolders(
        skill=skill,
        levels=[
            LevelGroup(
                level=level,
                label=Level(level).label,
                holders=by_level[level],
                count=counts.get(level, 0),
            )
            for level in sorted(Level.values, reverse=True)
        ],
        learners=learners,
    )


@dataclass(frozen=True)
class CategorySkills:
    category: SkillCategory
    skills: list[Skill]


def skill_catalogue(*, search: str = "") -> list[CategorySkills]:
    """Return categories with their skills, each with holder and learner counts.

    ``search`` matches a skill's name or any of its aliases (case-insensitive).
    Counts cover active people only. One query.
    """
    skills = Skill.objects.select_related("category").annotate(
        holder_count=_count_subquery(
            PersonSkill.objects.filter(skill=OuterRef("pk"), person__active=True),
            by="skill",
        ),
        learner_count=_count_subquery(
            LearningGoal.objects.filter(skill=OuterRef("pk"), person__active=True),
            by="skill",
        ),
    )
    search = search.strip()
    if search:
        skills = skills.filter(Q(name__icontains=search) | Q(aliases__icontains=search))
    groups: list[CategorySkills] = []
    for skill in skills.order_by("category__name", "name"):
        if not groups or groups[-1].category.pk != skill.category_id:
            groups.append(CategorySkills(category=skill.category, skills=[]))
        groups[-1].skills.append(skill)
    return groups
