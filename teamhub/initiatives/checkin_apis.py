"""Placeholder: the owner of this module replaces it."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
