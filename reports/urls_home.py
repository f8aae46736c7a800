"""The site's front door (no prefix, no namespace): each role's home page and the health check."""

from django.urls import path

from reports import views_home

urlpatterns = [
    path("", views_home.home, name="home"),
    path("health/", views_home.health, name="health"),
]
