from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.my_progress, name="my_progress"),
    path("parcours/<int:pk>/suivre/", views.enroll, name="enroll"),
    path("inscriptions/<int:pk>/quitter/", views.withdraw, name="withdraw"),
]
