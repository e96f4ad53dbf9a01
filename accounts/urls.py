from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("territoire/", views.territory_update, name="territory_update"),
    path("rattachements/ajouter/", views.membership_add, name="membership_add"),
    path("rattachements/<int:pk>/supprimer/", views.membership_remove, name="membership_remove"),
    path("structures/", views.structure_list, name="structure_list"),
    path("structures/nouvelle/", views.structure_create, name="structure_create"),
    path("structures/<int:pk>/", views.structure_detail, name="structure_detail"),
    path("structures/<int:pk>/modifier/", views.structure_update, name="structure_update"),
    path("structures/<int:pk>/verifier/", views.structure_verify, name="structure_verify"),
    path(
        "rattachements/<int:pk>/<slug:decision>/",
        views.membership_decide,
        name="membership_decide",
    ),
    path("communes/", views.commune_search, name="commune_search"),
    path("structures/recherche/", views.structure_search, name="structure_search"),
]
