"""TeamHub: staff and steer ML and data-science work."""

from teamhub.celery import app as celery_app

__all__ = ["celery_app"]
