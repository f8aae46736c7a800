"""Staff, their roles and teaching groups, under /staff/ (namespace ``staff``); the first run is /setup/."""

from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("add/", views.staff_add, name="add"),
    path("<int:user_id>/", views.staff_edit, name="edit"),
    path("<int:user_id>/new-link/", views.staff_new_link, name="new_link"),
    path("welcome/<str:uidb64>/<str:token>/", views.welcome, name="welcome"),
    path("groups/", views.group_list, name="groups"),
    path("groups/add/", views.group_add, name="group_add"),
    path("groups/<int:group_id>/", views.group_edit, name="group_edit"),
]
