"""People pages: directory, profile (with the skill and goal editors) and skills.

Writes go through ``teamhub.people.services`` only. A refused action is a 403; bad
input re-renders the profile with status 400 and the message next to the field.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.forms.renderers import DjangoTemplates
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from teamhub.core.exceptions import Conflict
from teamhub.core.roles import Role, user_has_role
from teamhub.integrations.selectors import profile_activity_context
from teamhub.people import services, services_registry
from teamhub.people.forms import (
    DirectoryFilterForm,
    LearningGoalForm,
    PersonAddForm,
    PersonSkillForm,
    SkillSearchForm,
)
from teamhub.people.models import (
    LearningGoal,
    Level,
    Person,
    PersonSkill,
    Skill,
    Team,
)
from teamhub.people.permissions import can_edit_person_skills, can_validate_skills
from teamhub.people.selectors import (
    TopSkill,
    free_capacity,
    people_directory,
    people_directory_details,
    person_profile,
    skill_catalogue,
    skill_holders,
)

PAGE_SIZE = 50
SKILL_FORM_IDS = "skill_%s"
GOAL_FORM_IDS = "goal_%s"


def _bar_width(percent: int | float) -> int:
    """Return a progress-bar width in percent, clamped to 0-100."""
    return max(0, min(100, round(percent)))


@dataclass(frozen=True)
class DirectoryRow:
    """One person of a directory page with the numbers its bars need."""

    person: Person
    top_skills: list[TopSkill]
    more_skills: int
    matched_level: int | None
    allocation: int
    allocation_width: int
    capacity_percent: int
    free_percent: int

    @classmethod
    def of(cls, person: Person) -> DirectoryRow:
        """Build the row from a person of ``people_directory_details``."""
        allocation: int = person.current_allocation  # type: ignore[attr-defined]
        top: list[TopSkill] = person.top_skills  # type: ignore[attr-defined]
        free = free_capacity(
            capacity_fte=person.capacity_fte, allocated_percent=allocation
        )
        return cls(
            person=person,
            top_skills=top,
            more_skills=max(0, person.skill_count - len(top)),  # type: ignore[attr-defined]
            matched_level=person.matched_level,  # type: ignore[attr-defined]
            allocation=allocation,
            allocation_width=_bar_width(allocation),
            capacity_percent=int(person.capacity_fte * 100),
            free_percent=int(free * 100),
        )


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _escape(value: Any) -> str:
    """Return ``conditional_escape(value)``, minus its checks for lazy strings."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _html_attrs(attrs: dict[str, Any]) -> str:
    """Return ``attrs`` written as Django's ``widgets/attrs.html`` writes them."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class DirectoryFormRenderer(DjangoTemplates):
    """Django's form renderer, except that it writes ``<select>``s in Python.

    The directory's team and skill filters list every team and skill (469 and 172
    in the 5,000-person benchmark). Django's ``select.html`` includes a template,
    which includes another, for every option: that was 40 % of the page's time.
    This writes the markup of ``select.html`` and ``select_option.html`` byte for
    byte, about twenty times faster; every other template renders as usual.
    """

    def render(
        self,
        template_name: str,
        context: dict[str, Any],
        request: HttpRequest | None = None,
    ) -> str:
        widget = context.get("widget")
        if (
            template_name != SELECT_TEMPLATE
            or widget is None
            or any(
                option["template_name"] != OPTION_TEMPLATE
                for _, options, _ in widget["optgroups"]
                for option in options
            )
        ):
            return super().render(template_name, context, request)
        name = _escape(widget["name"])
        parts = [f'<select name="{name}"{_html_attrs(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{_escape(option["value"])}"'
                f"{_html_attrs(option['attrs'])}>"
                f"{_escape(localize(option['label']))}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every value written above went through _escape.
        return mark_safe("".join(parts))  # noqa: S308


DIRECTORY_FORM_RENDERER = DirectoryFormRenderer()


def _light_filter_choices(form: DirectoryFilterForm) -> None:
    """Give the team and skill filters the same options, read as bare tuples.

    Their model choice fields build a model instance for every team and skill (over
    600 in the benchmark) on each page view, which made the garbage collector's
    pauses the slowest part of the page. The labels are the names, as the models'
    ``__str__``; skills are grouped by category, as ``SkillChoiceField`` does. The
    querysets, and so what the filters accept, are the form's own.
    """
    team = cast(ModelChoiceField, form.fields["team"])
    teams = cast(QuerySet[Team], team.queryset)
    team.choices = [("", team.empty_label), *teams.values_list("pk", "name")]
    skill = cast(ModelChoiceField, form.fields["skill"])
    skills = cast(QuerySet[Skill], skill.queryset)
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, category in skills.values_list("pk", "name", "category__name"):
        groups.setdefault(category, []).append((pk, name))
    skill.choices = [("", skill.empty_label), *groups.items()]


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None, renderer=DIRECTORY_FORM_RENDERER)
    if form.is_bound:
        form.is_valid()  # invalid fields show their error and are not applied
    results_only = request.headers.get("HX-Target") == "directory-results"
    if not results_only:
        _light_filter_choices(form)
    filters = form.filters()
    # Count and slice the bare filtered people; only the page's are annotated.
    page = Paginator(people_directory(**filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = people_directory_details(
        people=cast(QuerySet[Person], page.object_list), skill_id=filters["skill_id"]
    )
    rows = [DirectoryRow.of(person) for person in people]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": any(
            [
                filters["team_id"],
                filters["skill_id"],
                filters["min_level"],
                filters["search"],
            ]
        ),
        "skill_filter": filters["skill_id"],
    }
    template = (
        "people/_partials/directory_results.html"
        if results_only
        else "people/directory.html"
    )
    return render(request, template, context)


def _profile_context(
    request: HttpRequest,
    pk: int,
    *,
    skill_form: PersonSkillForm | None = None,
    goal_form: LearningGoalForm | None = None,
) -> dict[str, Any]:
    try:
        profile = person_profile(person_id=pk)
    except Person.DoesNotExist as exc:
        raise Http404("No such person.") from exc
    person = profile.person
    can_edit = can_edit_person_skills(request.user, person)
    is_self = person.user_id == request.user.pk
    capacity_percent = int(person.capacity_fte * 100)
    if skill_form is None and can_edit:
        skill_form = PersonSkillForm(auto_id=SKILL_FORM_IDS)
    if goal_form is None and can_edit:
        goal_form = LearningGoalForm(auto_id=GOAL_FORM_IDS)
    return {
        **profile_activity_context(person),
        "profile": profile,
        "person": person,
        "is_self": is_self,
        "can_edit": can_edit,
        "can_validate": can_validate_skills(request.user, person),
        # A manager may e-mail someone who has no password yet a link to set one.
        "offer_password_link": user_has_role(request.user, Role.MANAGER)
        and person.user.is_active
        and not person.user.has_usable_password(),
        "skill_form": skill_form,
        "goal_form": goal_form,
        "level_choices": Level.choices,
        "capacity_percent": capacity_percent,
        "free_percent": int(profile.free_capacity * 100),
        "allocation_width": _bar_width(profile.allocated_percent),
        "success_percent": (
            None if profile.success_rate is None else round(profile.success_rate * 100)
        ),
    }


@require_GET
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "people/profile.html", _profile_context(request, pk))


def _person_for_edit(request: HttpRequest, pk: int) -> Person:
    """Return the person, or refuse early so that forbidden input is a 403."""
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    if not can_edit_person_skills(request.user, person):
        raise PermissionDenied("You may only edit your own skills and goals.")
    return person


def _back_to_profile(person: Person, anchor: str) -> HttpResponseRedirect:
    return redirect(f"{reverse('people:profile', args=[person.pk])}#{anchor}")


def _invalid(
    request: HttpRequest,
    pk: int,
    *,
    skill_form: PersonSkillForm | None = None,
    goal_form: LearningGoalForm | None = None,
) -> HttpResponse:
    messages.error(request, "Nothing was saved — please correct the errors below.")
    context = _profile_context(request, pk, skill_form=skill_form, goal_form=goal_form)
    return render(request, "people/profile.html", context, status=400)


@require_POST
def skill_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    form = PersonSkillForm(request.POST, auto_id=SKILL_FORM_IDS)
    if not form.is_valid():
        return _invalid(request, pk, skill_form=form)
    data = form.cleaned_data
    try:
        person_skill = services.person_skill_set(
            actor=request.user,  # type: ignore[arg-type]
            person=person,
            skill=data["skill"],
            level=data["level"],
            interest=data["interest"],
            last_used=data["last_used"],
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, pk, skill_form=form)
    how = (
        " and validated it" if person_skill.source == PersonSkill.Source.MANAGER else ""
    )
    messages.success(
        request,
        f"Saved {person_skill.skill.name} at level {person_skill.level} "
        f"({person_skill.get_level_display()}){how}.",
    )
    return _back_to_profile(person, "skills")


@require_POST
def skill_remove(request: HttpRequest, pk: int, skill_id: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    person_skill = get_object_or_404(
        PersonSkill.objects.select_related("skill"), person=person, skill_id=skill_id
    )
    person_skill.person = person
    name = person_skill.skill.name
    services.person_skill_remove(
        actor=request.user,  # type: ignore[arg-type]
        person_skill=person_skill,
    )
    messages.success(request, f"Removed {name} from the skills.")
    return _back_to_profile(person, "skills")


@require_POST
def skill_validate(request: HttpRequest, pk: int, skill_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    if not can_validate_skills(request.user, person):
        raise PermissionDenied(
            "Only a manager can validate skill levels, and not their own."
        )
    person_skill = get_object_or_404(
        PersonSkill.objects.select_related("skill"), person=person, skill_id=skill_id
    )
    person_skill.person = person
    validated = services.person_skill_validate(
        actor=request.user,  # type: ignore[arg-type]
        person_skill=person_skill,
    )
    messages.success(
        request,
        f"Validated {person.name}'s {person_skill.skill.name} at level "
        f"{validated.level} ({validated.get_level_display()}).",
    )
    return _back_to_profile(person, "skills")


def person_add(request: HttpRequest) -> HttpResponse:
    """Add a person and their login (managers), and e-mail them a link to set
    their password unless told not to."""
    if not user_has_role(request.user, Role.MANAGER):
        raise PermissionDenied("Only managers can add people.")
    form = PersonAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        send_link = data.pop("send_link")
        try:
            person = services_registry.person_create(
                actor=request.user,  # type: ignore[arg-type]
                send_password_link=send_link,
                **data,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            added = f"Added {person.name}."
            if send_link:
                added += (
                    f" A link to set their password is on its way to {data['email']}."
                )
            messages.success(request, added)
            return redirect(person.get_absolute_url())
    status = 400 if form.is_bound else 200
    return render(request, "people/person_add.html", {"form": form}, status=status)


@require_POST
def password_link(request: HttpRequest, pk: int) -> HttpResponse:
    """E-mail the person a one-time link to choose a password (managers)."""
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    try:
        services_registry.person_password_link_send(
            actor=request.user,  # type: ignore[arg-type]
            person=person,
        )
    except Conflict as conflict:
        messages.error(request, conflict.detail)
        return render(
            request, "people/profile.html", _profile_context(request, pk), status=409
        )
    messages.success(
        request,
        f"A link to choose a password is on its way to {person.user.email}.",
    )
    return _back_to_profile(person, "person-name")


@require_POST
def goal_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    form = LearningGoalForm(request.POST, auto_id=GOAL_FORM_IDS)
    if not form.is_valid():
        return _invalid(request, pk, goal_form=form)
    data = form.cleaned_data
    try:
        goal = services.learning_goal_set(
            actor=request.user,  # type: ignore[arg-type]
            person=person,
            skill=data["skill"],
            target_level=data["target_level"],
            note=data["note"],
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, pk, goal_form=form)
    messages.success(
        request,
        f"Learning goal saved: {goal.skill.name} to level {goal.target_level} "
        f"({goal.get_target_level_display()}).",
    )
    return _back_to_profile(person, "goals")


@require_POST
def goal_remove(request: HttpRequest, pk: int, goal_id: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    goal = get_object_or_404(
        LearningGoal.objects.select_related("skill"), person=person, pk=goal_id
    )
    goal.person = person
    name = goal.skill.name
    services.learning_goal_remove(actor=request.user, goal=goal)  # type: ignore[arg-type]
    messages.success(request, f"Removed the learning goal for {name}.")
    return _back_to_profile(person, "goals")


@require_GET
def skill_list(request: HttpRequest) -> HttpResponse:
    form = SkillSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    groups = skill_catalogue(search=search)
    return render(
        request,
        "people/skill_list.html",
        {
            "form": form,
            "groups": groups,
            "search": search,
            "skill_count": sum(len(group.skills) for group in groups),
        },
    )


@require_GET
def skill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        holders = skill_holders(skill_id=pk)
    except Skill.DoesNotExist as exc:
        raise Http404("No such skill.") from exc
    return render(
        request,
        "people/skill_detail.html",
        {"holders": holders, "skill": holders.skill},
    )
