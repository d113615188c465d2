"""HTML pages under /staffing/ (namespace "staffing")."""

from django.urls import path

from teamhub.staffing import decision_views, views

app_name = "staffing"
urlpatterns = [
    path("", views.requests_index, name="index"),
    path("new/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="request"),
    path("<int:pk>/team-accept/", decision_views.team_accept, name="team-accept"),
    path("<int:pk>/recompute/", decision_views.request_recompute, name="recompute"),
    path("<int:pk>/close/", decision_views.request_close, name="close"),
    path("roles/<int:pk>/", views.role_detail, name="role"),
    path(
        "suggestions/<int:pk>/accept/", decision_views.suggestion_accept, name="accept"
    ),
    path(
        "suggestions/<int:pk>/reject/", decision_views.suggestion_reject, name="reject"
    ),
    path("suggestions/<int:pk>/lock/", decision_views.suggestion_lock, name="lock"),
]
