"""Everything under /api/: each app contributes its own ``urlpatterns``."""

from django.urls import path

from teamhub.core.apis import AuthTokenCreateApi
from teamhub.initiatives import apis as initiative_apis
from teamhub.initiatives import board_apis, card_apis, checkin_apis, column_apis
from teamhub.integrations import activity_apis, run_apis, webhook_apis
from teamhub.integrations import apis as integration_apis
from teamhub.people import apis as people_apis
from teamhub.people import import_apis, search_apis
from teamhub.requirements import apis as requirement_apis
from teamhub.staffing import apis as staffing_apis

urlpatterns = [
    path("auth/token/", AuthTokenCreateApi.as_view(), name="api-auth-token"),
    *search_apis.urlpatterns,
    *import_apis.urlpatterns,
    *people_apis.urlpatterns,
    *initiative_apis.urlpatterns,
    *board_apis.urlpatterns,
    *column_apis.urlpatterns,
    *card_apis.urlpatterns,
    *checkin_apis.urlpatterns,
    *requirement_apis.urlpatterns,
    *integration_apis.urlpatterns,
    *activity_apis.urlpatterns,
    *run_apis.urlpatterns,
    *webhook_apis.urlpatterns,
    *staffing_apis.urlpatterns,
]
