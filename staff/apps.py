from django.apps import AppConfig


class StaffConfig(AppConfig):
    """First-run setup of a school, and its staff, roles and teaching groups (no models of its own)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "staff"
