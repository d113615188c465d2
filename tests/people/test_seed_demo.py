"""manage.py seed_demo: a deterministic, believable demo organisation."""

import datetime as dt
import hashlib
import itertools
import json
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q, Sum

from teamhub.core.models import AuditEvent, User
from teamhub.initiatives.models import (
    Assignment,
    Board,
    Card,
    Initiative,
    Stage,
    ValueCheckIn,
)
from teamhub.initiatives.selectors_boards import board_detail
from teamhub.initiatives.value import keeps_rising
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    GitRepository,
    RawPayload,
    SkillEvidence,
    SyncRun,
)
from teamhub.people.demo import DEMO_EMAIL_DOMAIN, DEMO_LOGINS, data
from teamhub.people.demo.org import org_plan
from teamhub.people.demo.skills import person_skills
from teamhub.people.models import LearningGoal, Person, PersonSkill, Skill, Team
from teamhub.people.taxonomy import CATEGORIES, SKILLS_BY_NAME
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _demo_dirs(settings, tmp_path):
    """The demo Git repository and its mirror go to a temporary folder."""
    settings.VAR_DIR = tmp_path / "var"
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "var" / "git"


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True
    return settings


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", f"--today={TODAY.isoformat()}", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    """Hash the demo data by natural keys (e-mail, skill name, initiative key)."""
    rows = {
        "people": sorted(
            Person.objects.values_list(
                "user__username", "user__email", "user__first_name",
                "user__last_name", "team__name", "title", "location", "timezone",
                "capacity_fte", "manager__user__email", "active",
            )
        ),
        "skills": sorted(
            PersonSkill.objects.values_list(
                "person__user__email", "skill__name", "level", "interest", "source",
                "last_used", "validated_by__email", "validated_at",
            )
        ),
        "goals": sorted(
            LearningGoal.objects.values_list(
                "person__user__email", "skill__name", "target_level", "note"
            )
        ),
        "teams": sorted(Team.objects.values_list("name", "parent__name")),
        "initiatives": sorted(
            Initiative.objects.values_list(
                "key", "title", "summary", "team__name", "owner__user__email",
                "business_kpi", "kpi_target", "stage", "mission_criticality",
                "pathway", "pipeline_owner", "compute_complexity", "ml_complexity",
                "start", "target_date", "outcome", "model_metric_name",
                "hardening_plan",
            )
        ),
        "assignments": sorted(
            (
                Assignment.objects.values_list(
                    "person__user__email", "initiative__key", "role", "allocation",
                    "start", "end", "status", "outcome",
                )
            ),
            key=repr,
        ),
        "labels": sorted(
            Initiative.labels.through.objects.values_list(
                "initiative__key", "label__name"
            )
        ),
        "checkins": sorted(
            ValueCheckIn.objects.values_list(
                "initiative__key", "at", "business_value", "model_metric", "note",
                "by__email",
            ),
            key=repr,
        ),
        "cards": sorted(
            Card.objects.values_list(
                "board__name", "board__team__name", "board__swimlanes",
                "column__name", "initiative__key", "rank",
            ),
            key=repr,
        ),
        "activity": sorted(
            ActivityEvent.objects.values_list(
                "kind", "occurred_at", "title", "person__user__email",
                "identity__email", "initiative__key", "data",
            ),
            key=repr,
        ),
        "evidence": sorted(
            SkillEvidence.objects.values_list(
                "person__user__email", "skill__name", "at", "reason"
            ),
            key=repr,
        ),
    }  # fmt: skip
    canonical = json.dumps(rows, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_load() -> dict[int, int]:
    """Return person id -> % allocated today (confirmed and proposed)."""
    current = Assignment.objects.filter(
        Q(end__isnull=True) | Q(end__gte=TODAY),
        status__in=[Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED],
        start__lte=TODAY,
    )
    return dict(
        current.values("person")
        .annotate(total=Sum("allocation"))
        .values_list("person", "total")
    )


# --- determinism ---------------------------------------------------------------


def test_same_seed_gives_identical_data(demo_mode):
    seed("--people=60", "--seed=7")
    first = digest()
    assert Person.objects.count() == 60

    # A fresh registry (everything but the idempotent skill taxonomy deleted).
    seed("--people=60", "--seed=7", "--flush")

    assert Person.objects.count() == 60
    assert digest() == first


def test_plan_is_a_pure_function_of_seed_people_and_today():
    def drawn(seed_value: int) -> str:
        plan = org_plan(people=120, seed=seed_value, today=TODAY, logins=True)
        skills = [person_skills(plan, person) for person in plan.people]
        return repr(
            (plan.teams, plan.people, plan.initiatives, plan.assignments, skills)
        )

    assert drawn(5) == drawn(5)
    assert drawn(5) != drawn(6)


def test_different_seed_gives_different_data(demo_mode):
    seed("--people=60", "--seed=7")
    first = digest()
    first_names = set(Person.objects.values_list("user__email", flat=True))

    seed("--people=60", "--seed=8", "--flush")

    assert digest() != first
    assert set(Person.objects.values_list("user__email", flat=True)) != first_names


# --- what the organisation looks like -------------------------------------------


@pytest.fixture
def org(demo_mode):
    seed("--people=200", "--seed=42")


def test_distributions_hold_loosely(org):
    levels = list(PersonSkill.objects.values_list("level", flat=True))
    share = {n: levels.count(n) / len(levels) for n in range(1, 6)}
    assert share[5] < 0.15
    assert share[5] < share[2] + share[3]
    assert share[2] + share[3] > 0.45

    per_person = [p.skills.count() for p in Person.objects.all()]
    assert min(per_person) >= 15
    assert max(per_person) <= 41  # 15-40, plus a forced PyTorch for NLP/CV leads
    goals = [p.learning_goals.count() for p in Person.objects.all()]
    assert max(goals) <= 3
    assert 0 in goals

    sources = list(PersonSkill.objects.values_list("source", flat=True))
    assert sources.count("self") > sources.count("manager") > 0
    capacities = list(Person.objects.values_list("capacity_fte", flat=True))
    assert capacities.count(1) > len(capacities) / 2
    assert len(set(capacities)) > 1


def test_some_people_are_over_allocated_and_some_are_free(org):
    load = current_load()
    assert any(total > 100 for total in load.values())
    assert Person.objects.exclude(pk__in=list(load)).exists()


def test_teams_initiatives_and_history(org):
    names = set(Team.objects.values_list("name", flat=True))
    for team in ("Fraud", "Recommendations", "Forecasting", "NLP", "Computer Vision",
                 "ML Platform"):  # fmt: skip
        assert team in names
    initiatives = Initiative.objects.all()
    assert {i.stage for i in initiatives} == {
        "idea", "scoping", "data_eda", "experimentation", "deployment",
        "monitoring", "iteration", "retired",
    }  # fmt: skip
    assert initiatives.filter(key="FRD-1").exists()
    assert initiatives.exclude(business_kpi="").count() == initiatives.count()
    oldest = initiatives.order_by("start").first()
    assert oldest.start <= TODAY - dt.timedelta(days=2 * 365)
    outcomes = list(initiatives.exclude(outcome=None).values_list("outcome", flat=True))
    assert outcomes.count("success") > len(outcomes) / 2
    assert {"partial", "failed", "cancelled"} <= set(outcomes)
    assert {i.mission_criticality for i in initiatives} == {1, 2, 3, 4}
    assert {i.pathway for i in initiatives} == {"experimental", "production"}
    finished = Assignment.objects.filter(status="finished")
    assert finished.exists()
    assert not finished.filter(outcome=None).exists()
    assert not finished.filter(end__gt=TODAY).exists()
    assert Assignment.objects.filter(status="proposed").exists()


def test_three_boards_show_every_stage(org):
    boards = {board.name: board for board in Board.objects.select_related("team")}
    assert len(boards) == 3
    portfolio = boards.pop("ML portfolio")
    assert (portfolio.team, portfolio.swimlanes) == (None, "criticality")
    assert portfolio.cards.count() == Initiative.objects.count()  # 279 <= 300
    reco = boards["Recommendations board"]
    assert reco.team.name == "Recommendations"
    assert reco.swimlanes == "team"  # one lane per squad
    for board in boards.values():
        prefixes = {
            key.split("-")[0]
            for key in board.cards.values_list("initiative__key", flat=True)
        }
        assert len(prefixes) == 1  # one family's initiatives
    for board in Board.objects.all():
        columns = list(board.columns.order_by("position"))
        assert [column.stage for column in columns] == list(Stage.values)
        for column in columns:
            assert column.cards.exists(), f"{board.name}: {column.name} is empty"
            assert not column.cards.exclude(initiative__stage=column.stage).exists()
        experimentation = columns[3]
        # A soft limit the column is just over, to show the warning.
        assert experimentation.wip_limit == experimentation.cards.count() - 1 or (
            experimentation.wip_limit == 1
        )
        assert not experimentation.wip_hard
        assert columns[4].wip_hard


def test_a_year_of_monthly_checkins_that_rise_fade_or_stay_flat(org):
    series: dict[str, list[tuple[dt.date, float, float | None]]] = {}
    for key, at, value, metric in ValueCheckIn.objects.order_by("at").values_list(
        "initiative__key", "at", "business_value", "model_metric"
    ):
        series.setdefault(key, []).append((at, value, metric))
    measured = Initiative.objects.filter(
        stage__in=["data_eda", "experimentation", "deployment", "monitoring",
                   "iteration", "retired"],
        start__lte=TODAY,
    )  # fmt: skip
    assert len(series) > 0.9 * measured.count()
    assert not Initiative.objects.filter(
        stage__in=["idea", "scoping"], checkins__isnull=False
    ).exists()
    assert max(len(rows) for rows in series.values()) == 12
    live = Initiative.objects.filter(stage__in=["monitoring", "iteration"])
    # Live models started over a year ago report every month of the last year.
    assert sum(len(series.get(i.key, [])) == 12 for i in live) > live.count() / 2
    for rows in series.values():
        gaps = {(b[0] - a[0]).days for a, b in itertools.pairwise(rows)}
        assert gaps <= {30}
        assert rows[-1][0] <= TODAY
    full = [rows for rows in series.values() if len(rows) == 12]
    values = [[value for _, value, _ in rows] for rows in full]
    rising = [v for v in values if keeps_rising(v) and v[-1] > 1.3 * v[0]]
    fading = [v for v in values if v[-1] < 0.8 * v[0]]
    flat = [v for v in values if 0.85 < v[-1] / v[0] < 1.15]
    assert min(len(rising), len(fading), len(flat)) >= 5
    aucs = list(
        ValueCheckIn.objects.filter(
            initiative__model_metric_name="AUC", model_metric__isnull=False
        ).values_list("model_metric", flat=True)
    )
    assert aucs
    assert min(aucs) >= 0.6
    assert max(aucs) <= 0.9


def test_initiatives_have_labels_metrics_and_hardening_plans(org):
    initiatives = Initiative.objects.all()
    assert initiatives.filter(labels__isnull=False).distinct().count() > (
        initiatives.count() / 2
    )
    assert set(
        initiatives.exclude(model_metric_name="").values_list("stage", flat=True)
    ) == {"experimentation", "deployment", "monitoring", "iteration", "retired"}
    planned = initiatives.exclude(hardening_plan="")
    assert planned.exists()
    assert not planned.filter(mission_criticality__lt=3).exists()
    # Shipped critical work owned by data science got through the Deployment gate.
    assert not initiatives.filter(
        stage__in=["deployment", "monitoring", "iteration"],
        mission_criticality__gte=3,
        pipeline_owner="data_science",
        hardening_plan="",
    ).exists()


def test_the_portfolio_board_flags_hardening_candidates_with_trends(org):
    portfolio = Board.objects.get(name="ML portfolio")
    detail = board_detail(board_id=portfolio.pk)
    cards = [card for column in detail.columns for card in column.cards]
    assert any(card.hardening and "rose" in card.hardening for card in cards)
    assert any(card.hardening and "criticality" in card.hardening for card in cards)
    assert sum(len(card.business_values) >= 6 for card in cards) > 50
    assert any(card.model_metrics for card in cards)
    assert sum(lane.count for lane in detail.lane_rows()) == len(cards)


def test_people_have_unique_lowercase_demo_emails_and_managers(org):
    emails = list(User.objects.values_list("email", flat=True))
    assert len(emails) == len(set(emails))
    assert all(e == e.lower() and e.endswith(f"@{DEMO_EMAIL_DOMAIN}") for e in emails)
    assert Person.objects.filter(manager=None).count() == 1  # the director
    validated = PersonSkill.objects.filter(source="manager").select_related(
        "person__manager"
    )
    assert all(ps.validated_by_id == ps.person.manager.user_id for ps in validated)
    # Only the demo logins can log in; everyone else shares one unusable password.
    others = User.objects.exclude(username__in=DEMO_LOGINS)
    assert not any(u.has_usable_password() for u in others)
    assert others.values("password").distinct().count() == 1


def test_aliases_are_there_for_search(org):
    expected = {
        "NLP": "Natural language processing",
        "CV": "Computer vision",
        "k8s": "Kubernetes",
        "sklearn": "scikit-learn",
    }
    for alias, name in expected.items():
        assert alias in Skill.objects.get(name=name).aliases


def test_several_people_hold_pytorch_at_level_4_or_more(org):
    experts = PersonSkill.objects.filter(skill__name="PyTorch", level__gte=4)
    assert experts.count() >= 3
    # A PyTorch expert who lists deep learning is no novice at it.
    for expert in experts:
        deep = PersonSkill.objects.filter(
            person=expert.person, skill__name="Deep learning"
        ).first()
        assert deep is None or deep.level >= expert.level - 1


def test_demo_skill_tables_only_name_catalogue_skills():
    named = set(data.COMMON_SKILLS) | set(data.TRENDING_SKILLS)
    named |= set(data.SCIENTIST_SKILLS) | set(data.SCIENTIST_GOALS)
    for family in data.FAMILIES:
        named |= set(family.skills)
    for bias in data.DISCIPLINE_BIAS.values():
        named |= {key for key in bias if key not in CATEGORIES}
    assert named <= set(SKILLS_BY_NAME)


# --- demo logins -------------------------------------------------------------------


def test_demo_logins_work_with_the_demo_password_and_have_their_roles(org, client):
    for username in DEMO_LOGINS:
        user = authenticate(username=username, password="teamhub-demo")
        assert user is not None, username
        assert client.login(username=username, password="teamhub-demo")

    def groups(username: str) -> set[str]:
        return set(
            User.objects.get(username=username).groups.values_list("name", flat=True)
        )

    assert groups("manager") == {"manager"}
    assert groups("scientist") == {"data_scientist"}
    assert groups("stakeholder") == {"stakeholder"}
    assert groups("admin") == {"admin"}
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not Person.objects.filter(user__username__in=["stakeholder", "admin"])
    assert not authenticate(username="manager", password="wrong")
    someone = Person.objects.exclude(user__username__in=DEMO_LOGINS).first()
    assert not someone.user.has_usable_password()


def test_demo_manager_leads_a_recommendations_team_with_the_scientist(org):
    manager = Person.objects.get(user__username="manager")
    scientist = Person.objects.get(user__username="scientist")
    assert "Recommendations" in manager.team.name
    assert scientist.team == manager.team
    assert scientist.manager == manager
    assert manager.reports.count() >= 2
    assert scientist.skills.filter(skill__name="PyTorch", level__gte=4).exists()
    assert scientist.skills.filter(source="manager", validated_by=manager.user).exists()
    assert scientist.learning_goals.count() >= 2
    assert current_load()[scientist.pk] == 90
    assert scientist.assignments.filter(status="finished").exists()


# --- command behaviour -------------------------------------------------------------


def test_refuses_demo_logins_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="--no-logins"):
        seed("--people=10")
    assert not Person.objects.exists()
    assert not Skill.objects.exists()


def test_seeds_without_logins_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    out = seed("--people=10", "--no-logins")

    assert Person.objects.count() == 10
    assert not User.objects.filter(username__in=DEMO_LOGINS).exists()
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert "Demo logins" not in out


def test_people_10_works(demo_mode):
    out = seed("--people=10")

    assert Person.objects.count() == 10
    assert User.objects.filter(username__in=DEMO_LOGINS).count() == 4
    assert "Seeded 10 people" in out
    assert "teamhub-demo" in out
    load = current_load()
    assert any(total > 100 for total in load.values())
    assert Person.objects.exclude(pk__in=list(load)).exists()


@pytest.mark.parametrize("people", ["0", "9", "20001", "30000", "-5"])
def test_bad_people_counts_are_refused(demo_mode, people):
    with pytest.raises(CommandError, match="--people must be from 10 to 20,000"):
        seed(f"--people={people}")
    assert not Person.objects.exists()


def test_if_empty_seeds_an_empty_registry_and_keeps_a_full_one(demo_mode):
    seed("--people=30", "--if-empty")
    assert Person.objects.count() == 30
    before = digest()

    out = seed("--people=50", "--seed=9", "--if-empty")

    assert "already holds people" in out
    assert Person.objects.count() == 30
    assert digest() == before


def test_refuses_a_non_empty_registry_without_flush(demo_mode):
    PersonFactory()
    with pytest.raises(CommandError, match="--flush"):
        seed("--people=10")
    assert Person.objects.count() == 1


def test_flush_replaces_the_registry_but_keeps_other_users(demo_mode):
    seed("--people=20")
    outsider = UserFactory(username="real-admin", email="real@example.com")

    seed("--people=12", "--flush")

    assert Person.objects.count() == 12
    assert User.objects.filter(pk=outsider.pk).exists()
    assert User.objects.filter(username="manager").count() == 1


def test_flush_is_refused_outside_demo_mode(settings, demo_mode):
    seed("--people=10")
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode"):
        seed("--people=10", "--flush", "--no-logins")
    assert Person.objects.count() == 10


def test_if_empty_and_flush_cannot_be_combined(demo_mode):
    with pytest.raises(CommandError):
        seed("--if-empty", "--flush")


def test_existing_demo_username_is_refused_before_writing(demo_mode):
    UserFactory(username="admin")
    with pytest.raises(CommandError, match="already taken: admin"):
        seed("--people=10")
    assert not Person.objects.exists()
    assert not Skill.objects.exists()


def test_existing_teams_of_the_same_name_are_reused(demo_mode):
    fraud = TeamFactory(name="Fraud")

    seed("--people=10")

    assert Team.objects.filter(name="Fraud").get() == fraud
    assert fraud.members.exists()


def test_a_failure_half_way_leaves_nothing_behind(demo_mode):
    with (
        mock.patch(
            "teamhub.people.demo.seed._write_skills", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        seed("--people=10")
    assert not Person.objects.exists()
    assert not Team.objects.exists()
    assert not User.objects.exists()
    assert not Skill.objects.exists()


def test_seed_is_audited(demo_mode):
    seed("--people=10", "--seed=3")
    event = AuditEvent.objects.get(verb="demo.seeded")
    assert event.data == {"seed": 3, "people": 10, "today": TODAY.isoformat()}


def test_requirement_documents_show_every_sign_off_state(org):
    from teamhub.core.models import User
    from teamhub.requirements.models import RequirementDoc
    from teamhub.requirements.selectors import doc_state, signoff_inbox
    from teamhub.requirements.state import DocState

    states = {doc_state(doc) for doc in RequirementDoc.objects.all()}
    assert states == set(DocState.values)
    inbox = signoff_inbox(user=User.objects.get(username="stakeholder"))
    assert {item.standing for item in inbox} == {"waiting", "stale"}


def test_demo_sign_offs_happened_over_past_days(org):
    """So the dashboard shows requests of several ages and a real time to
    approval: asked in the past, each answer after the request, before now."""
    from django.utils import timezone

    from teamhub.requirements.models import SignOffRequest

    now = timezone.now()
    requests = list(SignOffRequest.objects.prefetch_related("signoffs", "version"))
    assert len({(now - r.created).days for r in requests}) == len(requests) > 1
    for request in requests:
        first = request.doc.versions.order_by("number").first()
        assert first.created < request.created < now
        answers = [s.signed_at for s in request.signoffs.all()]
        assert all(request.created < at <= now for at in answers)
        assert request.due is None or request.due > request.created.date()
        assert all(at - request.created >= dt.timedelta(days=1) for at in answers)


def test_the_demo_scientist_asks_sign_off_on_their_own_initiatives(org):
    from teamhub.requirements.models import SignOffRequest

    asked = SignOffRequest.objects.filter(requested_by__username="scientist")
    assert asked.exists()
    assert all(
        request.doc.initiative.assignments.filter(
            person__user__username="scientist"
        ).exists()
        for request in asked.select_related("doc__initiative")
    )


def test_flush_removes_the_demo_requirements_too(org):
    from teamhub.requirements.models import RequirementDoc, SignOff

    old_docs = set(RequirementDoc.objects.values_list("pk", flat=True))
    old_signoffs = set(SignOff.objects.values_list("pk", flat=True))
    assert old_docs and old_signoffs
    seed("--flush", "--people=20", "--seed=1")
    assert not RequirementDoc.objects.filter(pk__in=old_docs).exists()
    assert not SignOff.objects.filter(pk__in=old_signoffs).exists()


# --- demo Git activity -------------------------------------------------------------


def test_a_demo_repository_is_synced_once_through_the_runner(org):
    repository = GitRepository.objects.get()
    assert repository.name == "ml-repo"
    assert repository.url.endswith("ml-repo.git")
    assert repository.branches == ["main"]
    assert repository.tips["main"]
    scientist = Person.objects.get(user__username="scientist")
    assert repository.initiative.assignments.filter(person=scientist).exists()

    run = SyncRun.objects.get()
    assert run.git == repository
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts["commits"] == 28
    assert RawPayload.objects.filter(run=run).exists()

    events = ActivityEvent.objects.filter(git=repository)
    assert events.count() == 28
    assert not events.filter(orphaned=True).exists()
    assert not events.exclude(initiative=repository.initiative).exists()
    assert events.filter(occurred_at__date__gt=TODAY).count() == 0
    assert events.filter(occurred_at__date__gte=TODAY - dt.timedelta(days=42)).count()
    # Demo people's commits link by e-mail; the contractor's wait for review.
    linked = events.filter(person__isnull=False)
    assert linked.filter(person=scientist).exists()
    assert linked.values("person").distinct().count() == 3
    assert events.filter(person__isnull=True).exists()
    unknown = ExternalIdentity.objects.get(person=None)
    assert unknown.email == "alex.kowalski@contractor.example"
    assert ExternalIdentity.objects.exclude(person=None).count() == 3


def test_demo_commits_leave_inferred_skill_evidence(org):
    skills = set(SkillEvidence.objects.values_list("skill__name", flat=True))
    assert {"PyTorch", "scikit-learn", "Jupyter", "SQL", "Docker"} <= skills
    scientist = Person.objects.get(user__username="scientist")
    mine = set(
        SkillEvidence.objects.filter(person=scientist).values_list(
            "skill__name", flat=True
        )
    )
    assert "PyTorch" in mine
    # Only people whose commits are linked have evidence.
    linked = set(
        ActivityEvent.objects.exclude(person=None).values_list("person", flat=True)
    )
    assert set(SkillEvidence.objects.values_list("person", flat=True)) <= linked


def test_reseeding_replaces_the_demo_activity_without_duplicates(demo_mode):
    seed("--people=30", "--seed=5")
    first = digest()
    counts = (ActivityEvent.objects.count(), SkillEvidence.objects.count())
    old_repository = GitRepository.objects.get().pk

    seed("--people=30", "--seed=5", "--flush")

    assert digest() == first
    assert (ActivityEvent.objects.count(), SkillEvidence.objects.count()) == counts
    assert GitRepository.objects.get().pk != old_repository
    assert SyncRun.objects.count() == 1
    assert ExternalIdentity.objects.count() == 4
    assert ActivityEvent.objects.values("external_id").distinct().count() == counts[0]


def test_demo_activity_without_logins_still_links_demo_people(settings):
    settings.DEMO_MODE = False
    seed("--people=10", "--no-logins")

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert ActivityEvent.objects.filter(person__isnull=False).exists()
    assert SkillEvidence.objects.exists()


# --- card history ----------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _card_histories() -> dict[int, list[tuple]]:
    """Return card id -> its (verb, from, to, at, actor, data) entries, in time
    order (the order card pages and the stage-time chart read them in)."""
    from teamhub.initiatives.models import CardEvent

    history: dict[int, list[tuple]] = {}
    for card, *entry in CardEvent.objects.order_by("at", "id").values_list(
        "card_id", "verb", "from_column", "to_column", "at", "actor_id", "data"
    ):
        history.setdefault(card, []).append(tuple(entry))
    return history


def test_each_card_walks_from_idea_to_its_column_in_the_past(org):
    from teamhub.initiatives.models import Column

    midnight = _midnight(TODAY)
    positions = {
        (board, name): (position, stage)
        for board, name, position, stage in Column.objects.values_list(
            "board_id", "name", "position", "stage"
        )
    }
    cards = {
        pk: (board, column, owner)
        for pk, board, column, owner in Card.objects.values_list(
            "pk", "board_id", "column__name", "initiative__owner__user_id"
        )
    }
    manager = User.objects.get(username=data.MANAGER_LOGIN.username).pk
    history = _card_histories()
    assert set(history) == set(cards)
    backwards: set[tuple[str, str]] = set()
    for card, events in history.items():
        board, column, owner = cards[card]
        verbs = [verb for verb, *_ in events]
        assert verbs == ["created"] + ["moved"] * (len(events) - 1)
        times = [at for _, _, _, at, _, _ in events]
        assert times == sorted(set(times)), "strictly in time order"
        assert times[-1] < midnight  # before the seed's today: in the past
        assert events[0][1:3] == ("", "Idea")
        assert events[0][4] == manager  # added to the board by the manager
        assert events[-1][2] == column  # ends in the card's current column
        for before, after in itertools.pairwise(events):
            assert after[1] == before[2]  # from where the previous move left it
            assert after[4] == owner  # moved by the initiative's owner
            position, stage = positions[(board, after[2])]
            assert after[5] == {"changes": {"stage": stage}, "warnings": []}
            if position < positions[(board, before[2])][0]:
                backwards.add((before[2], after[2]))
    assert {("Iteration", "Monitoring"), ("Experimentation", "Data & EDA")} <= (
        backwards
    )
    moves = [len(events) - 1 for events in history.values()]
    assert sum(1 for n in moves if n >= 4) > len(moves) / 3
    # Histories reach back over a year, and into the last weeks.
    assert min(events[0][3] for events in history.values()) < midnight - dt.timedelta(
        days=365
    )
    assert max(events[-1][3] for events in history.values()) > midnight - dt.timedelta(
        days=14
    )


def test_an_initiatives_cards_share_one_history_on_every_board(org):
    from django.db.models import Count

    by_initiative: dict[int, set[tuple]] = {}
    cards = dict(Card.objects.values_list("pk", "initiative_id"))
    for card, events in _card_histories().items():
        steps = tuple((to, at) for _, _, to, at, _, _ in events)
        by_initiative.setdefault(cards[card], set()).add(steps)
    assert (
        max(
            Card.objects.values("initiative")
            .annotate(n=Count("id"))
            .values_list("n", flat=True)
        )
        >= 2
    )
    assert all(len(histories) == 1 for histories in by_initiative.values())


def test_stage_time_finds_stays_that_ended_in_the_last_90_days(org):
    from teamhub.dashboard.builders.pipeline_flow.stage_time import (
        TIMED_STAGES,
        stage_time_data,
    )
    from teamhub.initiatives.models import CardEvent

    midnight = _midnight(TODAY)
    since = _midnight(TODAY - dt.timedelta(days=90))
    result = stage_time_data(
        team_id=None,
        start=since.date(),
        end=TODAY - dt.timedelta(days=1),
        now=midnight,
    )

    rows = {row.stage: row for row in result.stages}
    assert list(rows) == TIMED_STAGES
    for row in result.stages:
        assert row.ended > 0, row.stage
        assert 1 <= row.median_days <= row.p75_days < 2 * 365
    # Independently: every move in the range ends a stay in the stage it left
    # (an initiative's cards move together, so count each move once).
    stage_of = {label: value for value, label in Stage.choices}
    moves = set(
        CardEvent.objects.filter(
            verb="moved", at__gte=since, at__lt=midnight
        ).values_list("card__initiative_id", "at", "from_column")
    )
    ended: dict[str, int] = {}
    for _, _, left in moves:
        ended[stage_of[left]] = ended.get(stage_of[left], 0) + 1
    assert {stage: row.ended for stage, row in rows.items()} == ended
    # Open stays: every initiative on a board but the retired ones.
    on_boards = Initiative.objects.filter(cards__isnull=False).distinct()
    assert (
        sum(row.open for row in result.stages)
        == on_boards.exclude(stage="retired").count()
    )


def test_card_histories_are_drawn_from_the_seed_for_every_initiative():
    from zoneinfo import ZoneInfo

    from teamhub.people.demo.boards import STAGES, card_histories

    tz = ZoneInfo("Europe/Berlin")
    until = dt.datetime.combine(TODAY, dt.time.min, tzinfo=tz)
    plan = org_plan(people=400, seed=3, today=TODAY, logins=True)
    everyone = [initiative.index for initiative in plan.initiatives]
    histories = card_histories(plan, everyone, tz=tz)
    assert histories == card_histories(plan, everyone, tz=tz)
    other = org_plan(people=400, seed=4, today=TODAY, logins=True)
    assert card_histories(other, everyone[:50], tz=tz) != {
        index: histories[index] for index in everyone[:50]
    }
    for index, steps in histories.items():
        initiative = plan.initiatives[index]
        stages = [step.stage for step in steps]
        assert stages[0] == "idea" and stages[-1] == initiative.stage
        assert all(a != b for a, b in itertools.pairwise(stages))
        # Only the rework loops go back: Iteration -> Monitoring and
        # Experimentation -> Data & EDA.
        for a, b in itertools.pairwise(stages):
            if STAGES.index(b) < STAGES.index(a):
                assert (a, b) in {
                    ("iteration", "monitoring"),
                    ("experimentation", "data_eda"),
                }
        times = [step.at for step in steps]
        assert all(a.date() < b.date() for a, b in itertools.pairwise(times))
        assert times[-1] < until
        assert all(9 <= at.hour < 18 for at in times)
        if initiative.start < TODAY and len(steps) <= (TODAY - initiative.start).days:
            assert times[0].date() == initiative.start  # added when work started
        if initiative.stage == "retired":
            assert times[-1].date() >= initiative.target_date  # after its target


def test_a_demo_seeded_today_has_stays_ended_in_the_dashboards_default_range(
    demo_mode,
):
    from django.utils import timezone

    from teamhub.dashboard.builders.pipeline_flow.stage_time import stage_time_data

    def keyed() -> list[tuple]:
        """The history by board and initiative key (ids change on a reseed)."""
        names = {
            pk: (board, key)
            for pk, board, key in Card.objects.values_list(
                "pk", "board__name", "initiative__key"
            )
        }
        return sorted(
            (names[card], [entry[:4] for entry in events])
            for card, events in _card_histories().items()
        )

    call_command("seed_demo", "--people=60", "--seed=11", stdout=StringIO())
    history = _card_histories()
    first = keyed()
    now = timezone.now()
    assert max(events[-1][3] for events in history.values()) < now
    today = timezone.localdate()
    result = stage_time_data(
        team_id=None, start=today - dt.timedelta(days=90), end=today
    )
    assert sum(row.ended for row in result.stages) >= 10
    assert len([row for row in result.stages if row.ended]) >= 4

    call_command("seed_demo", "--people=60", "--seed=11", "--flush", stdout=StringIO())

    assert keyed() == first
