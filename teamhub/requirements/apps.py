from django.apps import AppConfig


class RequirementsConfig(AppConfig):
    name = "teamhub.requirements"
    verbose_name = "Requirements"
