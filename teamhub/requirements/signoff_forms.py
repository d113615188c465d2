"""Forms of the sign-off pages: request sign-off, sign (approve / reject), revoke."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.people.forms import BootstrapForm
from teamhub.people.models import Team
from teamhub.requirements.models import SignOff, SignOffRequest

NO_TEAM = "Not in the people registry"
ROLE_LABELS = dict(Role.choices)


def _checks(form: forms.Form, *names: str) -> None:
    """Give radio and checkbox lists Bootstrap's check class instead of the
    ``form-control`` BootstrapForm gives them."""
    for name in names:
        form.fields[name].widget.attrs["class"] = "form-check-input"


def signable_users() -> QuerySet[User]:
    """Return the active logins that can be asked to sign."""
    return User.objects.filter(is_active=True)


@dataclass
class StakeholderOption:
    user: User
    checked: bool
    title: str
    roles: list[str]
    satisfies: list[str]  # the teams of criticality rules this person counts for


@dataclass
class StakeholderGroup:
    label: str
    options: list[StakeholderOption] = field(default_factory=list)


class SignOffRequestForm(BootstrapForm):
    stakeholders = forms.ModelMultipleChoiceField(
        label="Stakeholders",
        queryset=signable_users(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Name at least one stakeholder.",
            "invalid_choice": "%(value)s is not a login that can sign.",
            "invalid_pk_value": "“%(pk)s” is not a person.",
        },
    )
    policy = forms.ChoiceField(
        label="Who must approve",
        choices=[
            (SignOffRequest.Policy.ALL, "All of them"),
            (SignOffRequest.Policy.QUORUM, "A quorum of"),
        ],
        initial=SignOffRequest.Policy.ALL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose all of them or a quorum."},
    )
    quorum = forms.IntegerField(
        label="Quorum",
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": "A quorum is at least 1 stakeholder."},
    )
    due = forms.DateField(
        label="Due date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional. Overdue requests get a daily reminder.",
        error_messages={"invalid": "Enter a date such as 2026-05-31."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _checks(self, "stakeholders", "policy")
        self.fields["quorum"].widget.attrs["style"] = "width: 6rem"

    def clean_due(self) -> dt.date | None:
        due: dt.date | None = self.cleaned_data.get("due")
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError("The due date is in the past.")
        return due

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quorum_missing = data.get("policy") == SignOffRequest.Policy.QUORUM and not (
            data.get("quorum")
        )
        if quorum_missing and "quorum" not in self.errors:
            self.add_error("quorum", "Say how many approvals the quorum needs.")
        return data

    def stakeholder_groups(
        self, *, exclude_id: int | None, rule_teams: Sequence[Team] = ()
    ) -> list[StakeholderGroup]:
        """Return the logins that can be asked, grouped by team (people outside
        the registry first), leaving out ``exclude_id`` (the author); each
        says which of ``rule_teams`` (the criticality rules' teams) they
        belong to, directly or through a team above theirs."""
        chosen = {str(value) for value in self._chosen()}
        parents = (
            dict(Team.objects.values_list("pk", "parent_id")) if rule_teams else {}
        )
        users = signable_users()
        if exclude_id is not None:
            users = users.exclude(pk=exclude_id)
        users = (
            users.select_related("person__team")
            .prefetch_related("groups")
            .order_by("first_name", "last_name", "username")
        )
        groups: dict[str, StakeholderGroup] = {}
        outside = StakeholderGroup(NO_TEAM)
        for user in users:
            person = getattr(user, "person", None)
            if person is None or person.team is None:
                group = outside
            else:
                group = groups.setdefault(
                    person.team.name, StakeholderGroup(person.team.name)
                )
            group.options.append(
                StakeholderOption(
                    user=user,
                    checked=str(user.pk) in chosen,
                    title=person.title if person is not None else "",
                    roles=sorted(
                        str(ROLE_LABELS[g.name])
                        for g in user.groups.all()
                        if g.name in ROLE_LABELS
                    ),
                    satisfies=_rule_teams_of(
                        person.team_id if person is not None else None,
                        parents,
                        rule_teams,
                    ),
                )
            )
        ordered = [groups[name] for name in sorted(groups, key=str.lower)]
        return [outside, *ordered] if outside.options else ordered

    def _chosen(self) -> list[Any]:
        if self.is_bound:
            return list(self.data.getlist("stakeholders", []))  # type: ignore[attr-defined]
        return list(self.initial.get("stakeholders") or [])


def _rule_teams_of(
    team_id: int | None, parents: Mapping[int, int | None], rule_teams: Sequence[Team]
) -> list[str]:
    """Return the names of ``rule_teams`` that ``team_id`` is or sits under."""
    chain: set[int] = set()
    while team_id is not None and team_id not in chain:
        chain.add(team_id)
        team_id = parents.get(team_id)
    return [team.name for team in rule_teams if team.pk in chain]


class SignOffDecideForm(BootstrapForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (SignOff.Decision.APPROVED, "Approve"),
            (SignOff.Decision.REJECTED, "Reject"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose approve or reject.",
            "invalid_choice": "Choose approve or reject.",
        },
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject: say what needs to change.",
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign.",
        error_messages={"required": "Re-enter your password to sign."},
    )
    version_number = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "Reload the page: which version did you read?"},
    )

    def __init__(self, *args: Any, can_approve: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _checks(self, "decision")
        if not can_approve:
            self.offer_reject_only()

    def offer_reject_only(self) -> None:
        """Leave out approval: the author or last editor may only reject."""
        decision = self.fields["decision"]
        assert isinstance(decision, forms.ChoiceField)
        decision.choices = [(SignOff.Decision.REJECTED, "Reject")]


class SignOffRevokeForm(BootstrapForm):
    reason = forms.CharField(
        label="Reason",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded with your name; your earlier decision stays on record.",
        error_messages={"required": "Give a reason for revoking."},
    )
