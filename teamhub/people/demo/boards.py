"""Draw the demo boards: labels, model metrics, hardening plans, value check-ins
and the cards' past moves.

Pure functions of the organisation plan: a seeded ``random.Random`` stream of its
own, so adding boards leaves the people, skills and initiatives of a seed as they
were; each card history draws from a stream of its initiative's own. ``seed.py``
writes the result.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from teamhub.people.demo.data import RECOMMENDATIONS
from teamhub.people.demo.records import InitiativePlan, OrgPlan
from teamhub.people.demo.records import pick as _pick

# Most cards a demo board holds: every stage's most recent first, then by recency.
BOARD_CAP = 300
CHECKINS = 12  # monthly, about a year
STAGES = (
    "idea", "scoping", "data_eda", "experimentation", "deployment", "monitoring",
    "iteration", "retired",
)  # fmt: skip
# Stages that have data to report a business value on; with a model from
# experimentation on.
MEASURED = frozenset(STAGES[2:])
MODELLED = frozenset(STAGES[3:])
SHIPPED = frozenset(("deployment", "monitoring", "iteration"))

LABELS: tuple[tuple[str, str], ...] = (
    ("Real-time", "#fd7e14"),
    ("Batch", "#6c757d"),
    ("Customer-facing", "#0d6efd"),
    ("Regulatory", "#dc3545"),
    ("Revenue", "#198754"),
    ("Cost saving", "#20c997"),
    ("Deep learning", "#6f42c1"),
    ("LLM", "#d63384"),
    ("Quick win", "#ffc107"),
)
FAMILY_LABELS: dict[str, tuple[str, ...]] = {
    "Fraud": ("Real-time", "Regulatory"),
    "Recommendations": ("Customer-facing", "Revenue", "Deep learning"),
    "Forecasting": ("Batch", "Cost saving"),
    "NLP": ("Deep learning", "LLM"),
    "Computer Vision": ("Deep learning",),
    "ML Platform": ("Cost saving",),
    "Search & Ranking": ("Customer-facing", "Revenue"),
    "Pricing": ("Revenue",),
    "Risk & Credit": ("Regulatory",),
    "Trust & Safety": ("Real-time", "Regulatory"),
}
# (metric, low, high, higher is better) per family; AUC elsewhere.
METRICS: dict[str, tuple[str, float, float, bool]] = {
    "Fraud": ("AUC", 0.6, 0.9, True),
    "Recommendations": ("NDCG@10", 0.18, 0.46, True),
    "Forecasting": ("MAPE", 0.06, 0.32, False),
    "NLP": ("F1", 0.55, 0.91, True),
    "Computer Vision": ("mAP", 0.38, 0.82, True),
    "Search & Ranking": ("NDCG@10", 0.22, 0.52, True),
    "Pricing": ("MAPE", 0.04, 0.22, False),
}
DEFAULT_METRIC = ("AUC", 0.60, 0.90, True)
HARDENING_PLANS = (
    "Engineering rebuilds the feature pipeline on the streaming platform, adds "
    "schema checks and a shadow deployment before the switch-over.",
    "Port the notebook pipeline to the shared training service; on-call rota with "
    "ML Platform; rollback to the rules engine within 5 minutes.",
    "Data contracts on the three upstream tables, canary releases, drift alerts on "
    "the top 20 features and a weekly retraining job owned by engineering.",
    "Containerise scoring behind the feature store, load-test at 3x peak and add a "
    "fallback model; data science keeps the experimental pipeline for iteration.",
)
NOTES = (
    "Retrained on the latest quarter.",
    "Seasonal peak.",
    "New features from the events stream.",
    "Upstream data delay; value estimated.",
    "A/B test readout.",
    "Threshold re-tuned with the business.",
)


@dataclass(frozen=True)
class CheckInPlan:
    initiative: int  # index into plan.initiatives
    at: date
    business_value: float
    model_metric: float | None
    note: str


@dataclass(frozen=True)
class BoardPlan:
    name: str
    team: int | None  # plan team index; None = portfolio
    swimlanes: str
    description: str
    initiatives: list[int]  # indexes into plan.initiatives
    # stage -> (WIP limit, hard)
    wip: dict[str, tuple[int, bool]] = field(default_factory=dict)


@dataclass
class BoardsPlan:
    labels: tuple[tuple[str, str], ...] = LABELS
    initiative_labels: dict[int, list[str]] = field(default_factory=dict)
    metric_names: dict[int, str] = field(default_factory=dict)
    hardening_plans: dict[int, str] = field(default_factory=dict)
    checkins: list[CheckInPlan] = field(default_factory=list)
    boards: list[BoardPlan] = field(default_factory=list)


def boards_plan(plan: OrgPlan) -> BoardsPlan:
    """Draw labels, metrics, hardening plans, check-ins and boards for ``plan``.

    Moves a few initiatives on in their lifecycle (in ``plan``) so that each
    family board shows every stage.
    """
    rng = random.Random(f"teamhub-demo:{plan.seed}:boards")
    result = BoardsPlan()
    by_family = _by_family(plan)
    for name in _board_families(by_family):
        _cover_stages(by_family[name])
    for initiative in plan.initiatives:
        index = initiative.index
        result.initiative_labels[index] = _labels(rng, initiative)
        metric = METRICS.get(initiative.family.name, DEFAULT_METRIC)
        if initiative.stage in MODELLED:
            result.metric_names[index] = metric[0]
        if _needs_plan(rng, initiative):
            result.hardening_plans[index] = rng.choice(HARDENING_PLANS)
        result.checkins.extend(_checkins(rng, initiative, metric, plan.today))
    result.boards = _boards(plan)
    return result


def _labels(rng: random.Random, initiative: InitiativePlan) -> list[str]:
    own = FAMILY_LABELS.get(initiative.family.name, ())
    chosen = {label for label in own if rng.random() < 0.6}
    if rng.random() < 0.35:
        chosen.add(rng.choice(LABELS)[0])
    if initiative.stage in ("idea", "scoping") and rng.random() < 0.3:
        chosen.add("Quick win")
    return sorted(chosen)


def _needs_plan(rng: random.Random, initiative: InitiativePlan) -> bool:
    """Critical work that data science still owns: shipped work passed the
    Deployment gate with a plan; some of what is coming has one ready."""
    if initiative.mission_criticality < 3 or initiative.pipeline_owner != (
        "data_science"
    ):
        return False
    if initiative.stage in SHIPPED:
        return True
    return initiative.stage == "experimentation" and rng.random() < 0.4


def _checkins(
    rng: random.Random,
    initiative: InitiativePlan,
    metric: tuple[str, float, float, bool],
    today: date,
) -> list[CheckInPlan]:
    """About a year of monthly check-ins: value rising, fading or flat."""
    if initiative.stage not in MEASURED or initiative.start > today:
        return []
    # Live models report until today; retired ones stopped a little after
    # their target date; work in progress since it started.
    end = today
    if initiative.stage == "retired":
        end = min(today, initiative.target_date + timedelta(days=rng.randint(0, 90)))
    dates = [end - timedelta(days=30 * k) for k in range(CHECKINS - 1, -1, -1)]
    dates = [at for at in dates if at >= initiative.start]
    if not dates:
        return []
    shipped = initiative.stage in SHIPPED
    if initiative.stage == "retired":
        trend = _pick(rng, ("fading", "flat", "rising"), (60, 30, 10))
    elif shipped:
        trend = _pick(rng, ("rising", "flat", "fading"), (50, 30, 20))
    else:
        trend = _pick(rng, ("flat", "rising", "fading"), (60, 25, 15))
    growth = {"rising": 1, "flat": 0, "fading": -1}[trend] * rng.uniform(0.02, 0.07)
    value = rng.choice((10, 25, 50, 100, 250, 1000)) * rng.uniform(0.6, 1.6)
    _, low, high, higher_better = metric
    score = rng.uniform(0.15, 0.5)  # 0 = the metric's worst, 1 = its best
    improving = trend != "fading"
    modelled = initiative.stage in MODELLED
    rows = []
    for at in dates:
        # Noise stays under the monthly growth, so a rising run really rises.
        noise = rng.uniform(-0.3, 0.3) * (abs(growth) or 0.02)
        value *= 1 + growth + noise
        step = rng.uniform(0.0, 0.06) if improving else -rng.uniform(0.0, 0.05)
        score = min(0.97, max(0.03, score + step))
        metric_value = None
        if modelled:
            fraction = score if higher_better else 1 - score
            metric_value = round(low + (high - low) * fraction, 3)
        note = rng.choice(NOTES) if rng.random() < 0.08 else ""
        rows.append(
            CheckInPlan(
                initiative=initiative.index,
                at=at,
                business_value=round(value, 2),
                model_metric=metric_value,
                note=note,
            )
        )
    return rows


def _select(initiatives: list[InitiativePlan], cap: int) -> list[int]:
    """Return up to ``cap`` initiative indexes: each stage's most recent first,
    then the most recently started, so every stage shows on the board."""
    recent = sorted(initiatives, key=lambda i: (i.start, i.key), reverse=True)
    chosen: list[int] = []
    for stage in STAGES:
        first = next((i for i in recent if i.stage == stage), None)
        if first is not None:
            chosen.append(first.index)
    taken = set(chosen)
    for initiative in recent:
        if len(chosen) >= cap:
            break
        if initiative.index not in taken:
            chosen.append(initiative.index)
            taken.add(initiative.index)
    return sorted(chosen[:cap])


# The phases (and outcomes) an initiative may have to be in a stage.
PHASES: dict[str, tuple[str, ...]] = {
    "idea": ("future",),
    "scoping": ("future", "current"),
    "data_eda": ("current",),
    "experimentation": ("current",),
    "deployment": ("current",),
    "monitoring": ("past",),
    "iteration": ("past",),
    "retired": ("past",),
}
SHIPPED_OUTCOMES = ("success", "partial")


def _by_family(plan: OrgPlan) -> dict[str, list[InitiativePlan]]:
    by_family: dict[str, list[InitiativePlan]] = {}
    for initiative in plan.initiatives:
        by_family.setdefault(initiative.family.name, []).append(initiative)
    return by_family


def _board_families(by_family: dict[str, list[InitiativePlan]]) -> list[str]:
    """The demo manager's family and the busiest other one."""
    others = sorted(
        (name for name in by_family if name != RECOMMENDATIONS),
        key=lambda name: (-len(by_family[name]), name),
    )
    return [name for name in [RECOMMENDATIONS, *others[:1]] if by_family.get(name)]


def _cover_stages(members: list[InitiativePlan]) -> None:
    """Give every stage at least one initiative: move the most recent fitting
    initiative of a stage that holds two or more (its phase must fit)."""
    held = Counter(initiative.stage for initiative in members)
    for stage in STAGES:
        if held[stage]:
            continue
        donors = [
            i
            for i in members
            if held[i.stage] >= 2
            and i.phase in PHASES[stage]
            and (
                stage not in ("monitoring", "iteration")
                or i.outcome in SHIPPED_OUTCOMES
            )
        ]
        if not donors:
            continue
        donor = max(donors, key=lambda i: (i.start, i.key))
        held[donor.stage] -= 1
        donor.stage = stage
        held[stage] += 1


def _boards(plan: OrgPlan) -> list[BoardPlan]:
    """Two family boards (the demo manager's and the busiest other) and a
    portfolio board with criticality swimlanes."""
    by_family = _by_family(plan)
    boards = []
    for name in _board_families(by_family):
        members = by_family[name]
        head = next(t.index for t in plan.teams if t.name == name and t.parent == 0)
        squads = {initiative.team for initiative in members}
        chosen = _select(members, BOARD_CAP)
        boards.append(
            BoardPlan(
                name=f"{name} board",
                team=head,
                swimlanes="team" if len(squads) > 1 else "",
                description=f"Every {name} initiative, from idea to retirement.",
                initiatives=chosen,
                wip=_limits(plan, chosen),
            )
        )
    chosen = _select(plan.initiatives, BOARD_CAP)
    boards.append(
        BoardPlan(
            name="ML portfolio",
            team=None,
            swimlanes="criticality",
            description="All teams' initiatives by mission criticality: the "
            "critical ones need an engineering-hardened production pipeline.",
            initiatives=chosen,
            wip=_limits(plan, chosen),
        )
    )
    return boards


def _limits(plan: OrgPlan, chosen: list[int]) -> dict[str, tuple[int, bool]]:
    """WIP limits that tell a story: Experimentation just over its soft limit,
    Deployment hard-limited with a little room."""
    held = Counter(plan.initiatives[i].stage for i in chosen)
    return {
        "experimentation": (max(1, held["experimentation"] - 1), False),
        "deployment": (held["deployment"] + 2, True),
    }


# Card history -------------------------------------------------------------------

# A stay's typical length in days, relative to the others: the time between an
# initiative's first and last move is shared out in these proportions (each
# drawn with some spread, so a few stays run long).
TYPICAL_DAYS: dict[str, float] = {
    "idea": 14, "scoping": 21, "data_eda": 30, "experimentation": 45,
    "deployment": 21, "monitoring": 120, "iteration": 45,
}  # fmt: skip
WORKDAY_MINUTES = (9 * 60, 18 * 60)  # moves happen between 9:00 and 18:00


@dataclass(frozen=True)
class Step:
    """A card entering a stage's column: the first is its creation on the board."""

    stage: str
    at: datetime


def card_histories(
    plan: OrgPlan, indexes: list[int], *, tz: tzinfo
) -> dict[int, list[Step]]:
    """Return the history of the cards of the initiatives ``indexes``: the same on
    every board that shows one. Each ends in the initiative's stage, before
    midnight starting ``plan.today`` (in ``tz``)."""
    until = datetime.combine(plan.today, time.min, tzinfo=tz)
    return {
        index: card_history(plan.initiatives[index], seed=plan.seed, until=until)
        for index in sorted(set(indexes))
    }


def card_history(
    initiative: InitiativePlan, *, seed: int, until: datetime
) -> list[Step]:
    """Walk the card from Idea to the initiative's stage, strictly in time order
    and strictly before ``until`` (a midnight), one move a day at most.

    The card is created on the initiative's start (some weeks ago for an idea
    that starts in the future) and enters its current stage at a time that fits
    its phase: around the target date for a shipped model, a little after it for
    a retired one, part-way for work in progress. The stays in between share the
    time in drawn proportions. Some cards go back: Experimentation to Data & EDA,
    Monitoring to Iteration (and back).
    """
    rng = random.Random(f"teamhub-demo:{seed}:history:{initiative.key}")
    path = _path(rng, initiative)
    moves = len(path) - 1
    today = until.date()
    if initiative.start < today:
        begin = (today - initiative.start).days  # days before ``until``
    else:
        begin = rng.randint(5, 60)
    begin = max(begin, moves + 1)
    last = min(_last_move(rng, initiative, path, today, begin), begin - moves)
    last = max(last, 1)
    days = [begin]
    if moves:
        weights = [
            TYPICAL_DAYS[stage] * rng.lognormvariate(0, 0.5) for stage in path[:-1]
        ]
        lengths = _share(begin - last, weights)
        for length in lengths:
            days.append(days[-1] - length)
    return [
        Step(
            stage=stage,
            at=until
            - timedelta(days=day)
            + timedelta(minutes=rng.randrange(*WORKDAY_MINUTES)),
        )
        for stage, day in zip(path, days, strict=True)
    ]


def _path(rng: random.Random, initiative: InitiativePlan) -> list[str]:
    """The stages the card went through, in order, ending in its current one."""
    stage = initiative.stage
    if stage == "retired" and initiative.outcome not in SHIPPED_OUTCOMES:
        # Failed or cancelled before it shipped: retired from where work stopped.
        if initiative.outcome == "failed":
            stopped = "experimentation"
        else:
            stopped = rng.choice(("scoping", "data_eda", "experimentation"))
        path = [*STAGES[: STAGES.index(stopped) + 1], "retired"]
    elif stage in ("monitoring", "iteration", "retired"):
        path = list(STAGES[: STAGES.index("monitoring") + 1])
        for _ in range(_pick(rng, (0, 1, 2), (60, 32, 8))):
            path += ["iteration", "monitoring"]  # reworked, then live again
        if stage != "monitoring":
            path.append(stage)
    else:
        path = list(STAGES[: STAGES.index(stage) + 1])
    if "experimentation" in path[:-1] and rng.random() < 0.15:
        # Back to the data for a while: the first experiments needed more of it.
        at = path.index("experimentation") + 1
        path[at:at] = ["data_eda", "experimentation"]
    return path


def _last_move(
    rng: random.Random,
    initiative: InitiativePlan,
    path: list[str],
    today: date,
    begin: int,
) -> int:
    """Days before ``today`` the card entered its current stage (``path[-1]``)."""
    stage, target = path[-1], initiative.target_date
    since_target = (today - target).days
    if len(path) == 1:
        return begin
    if stage == "retired" and since_target > 0:
        return since_target - rng.randint(0, min(90, since_target - 1))
    if (
        path[-2:] == ["deployment", "monitoring"]
        and since_target > 0
        and (rng.random() < 0.7)
    ):
        return since_target  # went live on its target date
    if stage in ("monitoring", "iteration") and since_target > 0:
        return max(1, round(since_target * rng.uniform(0.05, 0.7)))
    return max(1, round(begin * rng.uniform(0.1, 0.45)))


def _share(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` days (at least one per weight) in proportion to ``weights``."""
    extra = total - len(weights)
    scale = extra / sum(weights)
    lengths = [1 + int(weight * scale) for weight in weights]
    longest = max(range(len(weights)), key=weights.__getitem__)
    lengths[longest] += total - sum(lengths)
    return lengths
