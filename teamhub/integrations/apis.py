"""The integrations API: connections, sync runs (placeholder)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
