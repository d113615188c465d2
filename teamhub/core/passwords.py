"""Setting, resetting and changing one's password.

People a manager adds (on the people pages or through the API) get a login
without a password; "Set or reset your password" on the log-in page e-mails
them a one-time link, as it does for a forgotten one (a manager can send it from
their profile: ``person_password_link_send``). Links in the mail start
with ``TEAMHUB_BASE_URL`` (never the request's Host header).
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy

from teamhub.core.models import User


class SetOrResetPasswordForm(PasswordResetForm):
    """Django's form, also for the active users who never had a password
    (Django's leaves them out)."""

    def get_users(self, email: str) -> Iterator[User]:
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.email.casefold() == email.casefold())


def password_link_send(email: str) -> None:
    """E-mail the active logins with ``email`` (none for an unknown address) a
    one-time link to choose a password."""
    form = SetOrResetPasswordForm({"email": email})
    if not form.is_valid():
        return
    base_url = settings.TEAMHUB_BASE_URL.rstrip("/")
    form.save(
        domain_override=urlsplit(base_url).netloc,
        email_template_name="core/password_reset_email.txt",
        subject_template_name="core/password_reset_subject.txt",
        extra_email_context={
            "base_url": base_url,
            "valid_days": str(max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = SetOrResetPasswordForm
    template_name = "core/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        password_link_send(form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response
