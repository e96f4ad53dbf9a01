from django.urls import path

from . import views

app_name = "competences"
urlpatterns = [
    path("", views.index, name="index"),
    path("gestion/", views.manage, name="manage"),
    path("gestion/importer/", views.import_file, name="import"),
    path("gestion/<slug:code>/v<int:number>/publier/", views.publish, name="publish"),
    path("gestion/<slug:code>/v<int:number>/nouvelle-version/", views.clone, name="clone"),
    path("gestion/<slug:code>/v<int:number>/retirer/", views.retire, name="retire"),
    path("gestion/<slug:code>/v<int:number>/supprimer/", views.delete, name="delete"),
    path(
        "gestion/<slug:code>/v<int:number>/reprendre-parcours/",
        views.carry_over,
        name="carry_over",
    ),
    path("<slug:code>/comparer/", views.compare, name="compare"),
    path("<slug:code>/v<int:number>/", views.version_detail, name="version_detail"),
    path("<slug:code>/v<int:number>/export.<str:fmt>", views.version_export, name="version_export"),
    path(
        "<slug:code>/v<int:number>/parcours/<slug:pathway_code>/",
        views.pathway_detail,
        name="pathway_detail",
    ),
]
