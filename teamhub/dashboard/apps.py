from django.apps import AppConfig
from django.db.backends.signals import connection_created


class DashboardConfig(AppConfig):
    name = "teamhub.dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from teamhub.dashboard.freshness import install

        connection_created.connect(install, dispatch_uid="dashboard-watch-writes")
