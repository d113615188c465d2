from django.urls import path

from teamhub.people import import_views, search_views, views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("add/", views.person_add, name="add"),
    path("<int:pk>/", views.profile, name="profile"),
    path("<int:pk>/skills/", views.skill_set, name="skill_set"),
    path(
        "<int:pk>/skills/<int:skill_id>/remove/",
        views.skill_remove,
        name="skill_remove",
    ),
    path(
        "<int:pk>/skills/<int:skill_id>/validate/",
        views.skill_validate,
        name="skill_validate",
    ),
    path("<int:pk>/goals/", views.goal_set, name="goal_set"),
    path("<int:pk>/password-link/", views.password_link, name="password_link"),
    path(
        "<int:pk>/goals/<int:goal_id>/remove/",
        views.goal_remove,
        name="goal_remove",
    ),
    path("skills/", views.skill_list, name="skills"),
    path("skills/<int:pk>/", views.skill_detail, name="skill"),
    path("search/", search_views.search, name="search"),
    path("import/", import_views.upload, name="import"),
    path("import/<int:pk>/", import_views.detail, name="import_detail"),
    path("import/<int:pk>/apply/", import_views.apply, name="import_apply"),
    path("import/<int:pk>/status/", import_views.status, name="import_status"),
    path("export/", import_views.export, name="export"),
]
