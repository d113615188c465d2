"""Board pages under /boards/ (namespace "initiatives"); each view module
contributes its own ``urlpatterns``."""

from teamhub.initiatives import board_views, card_views, settings_views

app_name = "initiatives"

urlpatterns = [
    *board_views.urlpatterns,
    *card_views.urlpatterns,
    *settings_views.urlpatterns,
]
