"""Integration pages under /integrations/ (namespace "integrations"); each view
module contributes its own ``urlpatterns``."""

from teamhub.integrations import identity_views, views

app_name = "integrations"

urlpatterns = [
    *identity_views.urlpatterns,
    *views.urlpatterns,
]
