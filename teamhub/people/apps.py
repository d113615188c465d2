from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "teamhub.people"
    verbose_name = "People & skills"
