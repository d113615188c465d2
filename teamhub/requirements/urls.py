"""Requirement pages under /requirements/ (namespace "requirements"); each view
module contributes its own ``urlpatterns``."""

from teamhub.requirements import doc_views, signoff_views

app_name = "requirements"

urlpatterns = [
    *signoff_views.urlpatterns,
    *doc_views.urlpatterns,
]
