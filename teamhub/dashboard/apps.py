from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "teamhub.dashboard"
    verbose_name = "Dashboard"
