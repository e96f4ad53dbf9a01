"""/pilotage/exports/: included by reporting.urls, in its "reporting" namespace."""

from django.urls import path

from .views import exports

urlpatterns = [
    path("", exports.export_list, name="export_list"),
    path("demander/", exports.export_create, name="export_create"),
    path("<int:pk>/", exports.export_status, name="export_status"),
    path("<int:pk>/telecharger/", exports.export_download, name="export_download"),
]
