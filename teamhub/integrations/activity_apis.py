"""The activity API (placeholder)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
