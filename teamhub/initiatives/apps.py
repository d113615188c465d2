from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "teamhub.initiatives"
    verbose_name = "ML initiatives"
