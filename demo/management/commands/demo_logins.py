"""``manage.py demo_logins``: list the demo accounts (username, role, school, password)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from demo.management.commands.seed_demo import print_logins


class Command(BaseCommand):
    help = "List the demo logins that seed_demo created, or say how to create them."

    def handle(self, *args, **options) -> None:
        print_logins(self)
