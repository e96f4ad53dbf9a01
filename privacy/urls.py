from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("export/", views.export_request, name="export_request"),
    path("export/<int:pk>/", views.export_download, name="export_download"),
    path("consultations/", views.accesses, name="accesses"),
    path("effacement/", views.erasure, name="erasure"),
]
