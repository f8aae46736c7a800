from django.apps import AppConfig


class DemoConfig(AppConfig):
    # The demo school and its sign-ins: sits on top of every app, nothing imports it.
    name = "demo"
    verbose_name = "demo"
