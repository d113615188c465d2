"""JSON API of staffing under /api/staffing/. OWNER: the services engineer."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
