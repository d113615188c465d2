"""Webhook endpoints for Jira and Git hosts (placeholder)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
