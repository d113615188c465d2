"""Forms of the integrations settings pages: a Jira connection with its mapping
rows, and a Git repository. Secrets are write-only fields."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django import forms

from teamhub.initiatives.models import Initiative
from teamhub.integrations.models import JiraConnection, JiraMapping
from teamhub.people.forms import BootstrapForm

SMALL_SELECT = {"class": "form-select form-select-sm"}


def _secret_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password"}
        ),
    )


def _secret_help(is_set: bool, what: str) -> str:
    state = (
        f"A {what} is set — enter a new one to replace it."
        if is_set
        else f"No {what} is set."
    )
    return f"{state} It is stored encrypted and never shown."


class _WebhookSecretForm(BootstrapForm):
    """A connection's webhook secret: write-only, and removable once set."""

    webhook_secret = _secret_field("Webhook secret")
    remove_webhook_secret = forms.BooleanField(
        label="Remove the webhook secret (webhooks are then refused)",
        required=False,
    )

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["webhook_secret"].help_text = _secret_help(
            has_secret, "webhook secret"
        )
        if not has_secret:
            del self.fields["remove_webhook_secret"]

    def fields_input(self) -> dict[str, Any]:
        """Return the cleaned data but for the webhook secret's fields."""
        data = dict(self.cleaned_data)
        data.pop("webhook_secret")
        data.pop("remove_webhook_secret", None)
        return data

    def webhook_secret_input(self) -> str | None:
        """Return the secret to store: None keeps it, "" removes it."""
        if self.cleaned_data.get("remove_webhook_secret"):
            return ""
        return self.cleaned_data["webhook_secret"] or None


class JiraConnectionForm(_WebhookSecretForm):
    name = forms.CharField(max_length=100)
    base_url = forms.CharField(
        label="Base URL",
        max_length=200,
        help_text="e.g. https://example.atlassian.net",
        widget=forms.URLInput,
    )
    deployment = forms.ChoiceField(choices=JiraConnection.Deployment.choices)
    email = forms.CharField(
        label="E-mail",
        max_length=254,
        required=False,
        help_text="The API token's account (Cloud only).",
        widget=forms.EmailInput,
    )
    api_token = _secret_field("API token")
    token_env = forms.CharField(
        label="Token environment variable",
        max_length=100,
        required=False,
        help_text="Name of an environment variable holding the token; it wins "
        "over a stored token.",
    )
    jql = forms.CharField(
        label="JQL scope",
        required=False,
        help_text="e.g. project in (ML, DS). Empty: everything the token can see.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    page_cap = forms.IntegerField(
        label="Page cap",
        min_value=1,
        max_value=100000,
        initial=1000,
        help_text="A run stops with an error after this many pages.",
    )
    epic_link_field = forms.CharField(
        label="Epic Link field",
        max_length=50,
        required=False,
        help_text=JiraConnection._meta.get_field("epic_link_field").help_text,
    )
    active = forms.BooleanField(required=False, initial=True)

    field_order = ["name", "base_url", "deployment", "email", "api_token", "token_env"]

    def __init__(
        self, *args: Any, connection: JiraConnection | None = None, **kwargs: Any
    ) -> None:
        has_secret = bool(connection and connection.webhook_secret_encrypted)
        super().__init__(*args, has_secret=has_secret, **kwargs)
        self.fields["api_token"].help_text = _secret_help(
            bool(connection and connection.token_encrypted), "token"
        )

    def fields_input(self) -> dict[str, Any]:
        data = super().fields_input()
        # A page that does not render the Epic Link field keeps the stored one.
        if self.is_bound and self.add_prefix("epic_link_field") not in self.data:
            data.pop("epic_link_field")
        return data


class JiraMappingForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "—"), *JiraMapping.Kind.choices],
        required=False,
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    value = forms.CharField(
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    initiative = forms.ModelChoiceField(
        queryset=Initiative.objects.order_by("key"),
        required=False,
        widget=forms.Select(attrs=SMALL_SELECT),
    )

    def __init__(
        self, *args: Any, initiative_choices: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if initiative_choices is not None:
            field = cast(forms.ModelChoiceField, self.fields["initiative"])
            field.choices = initiative_choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [bool(data.get(f)) for f in ("kind", "value", "initiative")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(
                "Fill in the kind, the value and the initiative, or leave the row "
                "empty."
            )
        return data


class BaseJiraMappingFormSet(forms.BaseFormSet):
    """Mapping rows that share one list of initiatives (one query, not one a row)."""

    @cached_property
    def initiative_choices(self) -> list[Any]:
        field = cast(forms.ModelChoiceField, JiraMappingForm.base_fields["initiative"])
        return list(field.iterator(field))

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(index),
            "initiative_choices": self.initiative_choices,
        }


JiraMappingFormSet = forms.formset_factory(
    JiraMappingForm, formset=BaseJiraMappingFormSet, extra=3, can_delete=True
)


class GitRepositoryForm(_WebhookSecretForm):
    name = forms.CharField(max_length=100)
    url = forms.CharField(
        label="URL or path",
        max_length=500,
        help_text="Any remote URL (https://, ssh://, git@host:…) or a local path. "
        "Passwords in it are shown as ***; leave them so to keep them.",
    )
    branches = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. main, release. Empty: the default branch.",
    )
    initiative = forms.ModelChoiceField(
        queryset=Initiative.objects.order_by("key"),
        required=False,
        help_text="Commits count towards this initiative.",
    )
    active = forms.BooleanField(required=False, initial=True)

    field_order = ["name", "url", "branches", "initiative", "webhook_secret"]

    def clean_branches(self) -> list[str]:
        raw = self.cleaned_data.get("branches") or ""
        return [b.strip() for b in raw.split(",") if b.strip()]
