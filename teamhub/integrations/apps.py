from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "teamhub.integrations"
    verbose_name = "Integrations"
