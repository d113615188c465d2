"""Every TeamHub model is editable by admins, and its admin pages render."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

TEAMHUB_APPS = ("core", "people", "initiatives", "requirements")
# A card's append-only history is shown inline on the card.
NOT_REGISTERED = {"initiatives.CardEvent"}


def teamhub_models() -> list[type]:
    return [
        model
        for label in TEAMHUB_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.auto_created
    ]


def test_every_model_is_registered_in_the_admin() -> None:
    missing = [
        model._meta.label
        for model in teamhub_models()
        if model._meta.label not in NOT_REGISTERED
        and not admin.site.is_registered(model)
    ]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [m for m in teamhub_models() if admin.site.is_registered(m)],
    ids=lambda m: m._meta.label,
)
def test_admin_changelist_and_add_pages_render(client_as, model) -> None:
    client = client_as("admin")
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert client.get(add).status_code in {200, 403}
