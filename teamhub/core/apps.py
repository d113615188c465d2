from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_role_groups(**kwargs: Any) -> None:
    """Create the role groups if missing (after every migrate, and after a flush,
    which empties the tables that migration 0002 filled)."""
    from django.contrib.auth.models import Group

    from teamhub.core.roles import Role

    using = kwargs.get("using", "default")
    for role in Role.values:
        Group.objects.using(using).get_or_create(name=role)


class CoreConfig(AppConfig):
    name = "teamhub.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from teamhub.core import lookups

        lookups.register()
        post_migrate.connect(ensure_role_groups, sender=self)
