from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "teamhub.core"
    verbose_name = "Core"
