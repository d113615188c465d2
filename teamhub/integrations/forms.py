"""Forms of the integrations settings pages: a Jira connection with its mapping
rows, and a Git repository. Secrets are write-only fields."""

from __future__ import annotations

from typing import Any

from django import forms

from teamhub.initiatives.models import Initiative
from teamhub.integrations.models import JiraConnection, JiraMapping

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}


def _secret_field(label: str, is_set: bool, what: str) -> forms.CharField:
    help_text = (
        f"A {what} is set — enter a new one to replace it."
        if is_set
        else f"No {what} is set."
    )
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        help_text=help_text + " It is stored encrypted and never shown.",
        widget=forms.PasswordInput(
            render_value=False, attrs={**TEXT, "autocomplete": "new-password"}
        ),
    )


class JiraConnectionForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs=TEXT))
    base_url = forms.CharField(
        label="Base URL",
        max_length=200,
        help_text="e.g. https://example.atlassian.net",
        widget=forms.URLInput(attrs=TEXT),
    )
    deployment = forms.ChoiceField(
        choices=JiraConnection.Deployment.choices, widget=forms.Select(attrs=SELECT)
    )
    email = forms.CharField(
        label="E-mail",
        max_length=254,
        required=False,
        help_text="The API token's account (Cloud only).",
        widget=forms.EmailInput(attrs=TEXT),
    )
    token_env = forms.CharField(
        label="Token environment variable",
        max_length=100,
        required=False,
        help_text="Name of an environment variable holding the token; it wins "
        "over a stored token.",
        widget=forms.TextInput(attrs=TEXT),
    )
    jql = forms.CharField(
        label="JQL scope",
        required=False,
        help_text="e.g. project in (ML, DS). Empty: everything the token can see.",
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
    page_cap = forms.IntegerField(
        label="Page cap",
        min_value=1,
        max_value=100000,
        initial=1000,
        help_text="A run stops with an error after this many pages.",
        widget=forms.NumberInput(attrs=TEXT),
    )
    active = forms.BooleanField(
        required=False, initial=True, widget=forms.CheckboxInput(attrs=CHECK)
    )
    remove_webhook_secret = forms.BooleanField(
        label="Remove the webhook secret (webhooks are then refused)",
        required=False,
        widget=forms.CheckboxInput(attrs=CHECK),
    )

    def __init__(
        self, *args: Any, connection: JiraConnection | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        has_token = bool(connection and connection.token_encrypted)
        has_secret = bool(connection and connection.webhook_secret_encrypted)
        self.fields["api_token"] = _secret_field("API token", has_token, "token")
        self.fields["webhook_secret"] = _secret_field(
            "Webhook secret", has_secret, "webhook secret"
        )
        if not has_secret:
            del self.fields["remove_webhook_secret"]
        self.order_fields(
            ["name", "base_url", "deployment", "email", "api_token", "token_env"]
        )


class JiraMappingForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "—"), *JiraMapping.Kind.choices],
        required=False,
        widget=forms.Select(attrs={**SELECT, "class": "form-select form-select-sm"}),
    )
    value = forms.CharField(
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "class": "form-control form-control-sm"}),
    )
    initiative = forms.ModelChoiceField(
        queryset=Initiative.objects.order_by("key"),
        required=False,
        widget=forms.Select(attrs={**SELECT, "class": "form-select form-select-sm"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [bool(data.get(f)) for f in ("kind", "value", "initiative")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(
                "Fill in the kind, the value and the initiative, or leave the row "
                "empty."
            )
        return data


JiraMappingFormSet = forms.formset_factory(JiraMappingForm, extra=3, can_delete=True)


class GitRepositoryForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs=TEXT))
    url = forms.CharField(
        label="URL or path",
        max_length=500,
        help_text="Any remote URL (https://, ssh://, git@host:…) or a local path. "
        "Passwords in it are shown as ***; leave them so to keep them.",
        widget=forms.TextInput(attrs=TEXT),
    )
    branches = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. main, release. Empty: the default branch.",
        widget=forms.TextInput(attrs=TEXT),
    )
    initiative = forms.ModelChoiceField(
        queryset=Initiative.objects.order_by("key"),
        required=False,
        help_text="Commits count towards this initiative.",
        widget=forms.Select(attrs=SELECT),
    )
    active = forms.BooleanField(
        required=False, initial=True, widget=forms.CheckboxInput(attrs=CHECK)
    )
    remove_webhook_secret = forms.BooleanField(
        label="Remove the webhook secret (webhooks are then refused)",
        required=False,
        widget=forms.CheckboxInput(attrs=CHECK),
    )

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["webhook_secret"] = _secret_field(
            "Webhook secret", has_secret, "webhook secret"
        )
        if not has_secret:
            del self.fields["remove_webhook_secret"]
        self.order_fields(["name", "url", "branches", "initiative", "webhook_secret"])

    def clean_branches(self) -> list[str]:
        raw = self.cleaned_data.get("branches") or ""
        return [b.strip() for b in raw.split(",") if b.strip()]
