"""The Celery application; Redis in production, kombu's filesystem broker otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamhub.settings")

app = Celery("teamhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
