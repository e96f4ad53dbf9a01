from django.urls import path

from . import draft_views, views

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
    # The hub's editing of a draft version (services refuse a published or retired one).
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/modifier/",
        draft_views.version_update,
        name="draft_update",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/bloc/ajouter/",
        draft_views.bloc_create,
        name="draft_bloc_create",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/bloc/<int:pk>/modifier/",
        draft_views.bloc_update,
        name="draft_bloc_update",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/bloc/<int:pk>/supprimer/",
        draft_views.bloc_delete,
        name="draft_bloc_delete",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/bloc/<int:bloc_pk>/competence/ajouter/",
        draft_views.competence_create,
        name="draft_competence_create",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/competence/<int:pk>/modifier/",
        draft_views.competence_update,
        name="draft_competence_update",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/competence/<int:pk>/supprimer/",
        draft_views.competence_delete,
        name="draft_competence_delete",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/competence/<int:competence_pk>/critere/ajouter/",
        draft_views.criterion_create,
        name="draft_criterion_create",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/critere/<int:pk>/modifier/",
        draft_views.criterion_update,
        name="draft_criterion_update",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/critere/<int:pk>/supprimer/",
        draft_views.criterion_delete,
        name="draft_criterion_delete",
    ),
    path(
        "gestion/<slug:code>/v<int:number>/brouillon/niveau/<int:pk>/modifier/",
        draft_views.level_update,
        name="draft_level_update",
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
