"""HTML pages under /staffing/ (namespace "staffing"). OWNER: the pages engineer."""

from django.urls import path

from teamhub.staffing import views

app_name = "staffing"
urlpatterns = [
    path("", views.requests_index, name="index"),
    path("<int:pk>/", views.request_detail, name="request"),
]
