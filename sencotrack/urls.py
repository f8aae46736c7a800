from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sencotrack import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
]

# Each app's pages, mounted under its own prefix and namespace once the app has a urls.py.
# The navigation (sencotrack/navigation.py) shows a link only when its route resolves.
for _app in ("pupils", "assessments", "interventions", "reports", "imports"):
    if find_spec(_app) is not None and find_spec(f"{_app}.urls") is not None:
        urlpatterns.append(path(f"{_app}/", include((f"{_app}.urls", _app), namespace=_app)))
