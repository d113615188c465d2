from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from teamhub.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("teamhub.core.urls")),
    path("people/", include("teamhub.people.urls")),
    path("boards/", include("teamhub.initiatives.urls")),
    path("requirements/", include("teamhub.requirements.urls")),
    path("integrations/", include("teamhub.integrations.urls")),
    path("staffing/", include("teamhub.staffing.urls")),
    path("dashboard/", include("teamhub.dashboard.urls")),
    path("api/", include("teamhub.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
