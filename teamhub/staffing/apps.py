from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "teamhub.staffing"
    verbose_name = "Staffing"

    def ready(self) -> None:
        # Changes to skills, goals and allocations mark open requests stale.
        from teamhub.staffing import receivers  # noqa: F401
