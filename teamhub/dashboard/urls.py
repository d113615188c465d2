"""HTML pages under /dashboard/ (namespace "dashboard")."""

from django.urls import path

from teamhub.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>.csv", views.chart_csv, name="csv"),
]
