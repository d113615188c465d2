"""Log-in, log-out and the home redirect."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator

from teamhub.core.roles import Role, user_has_role


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it starts from: managers to the dashboard,
    everyone else to the people directory."""
    if user_has_role(request.user, Role.MANAGER):
        return redirect("dashboard:index")
    return redirect("people:directory")
