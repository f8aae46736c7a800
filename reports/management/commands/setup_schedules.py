"""Set up the periodic tasks in django-celery-beat's tables (visible and editable in the admin).

update_or_create, never delete-all: run history and an admin's edits to other tasks are kept.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from pupils.models import School
from reports.models import ReportSchedule

PERIODIC_TASKS = [
    # (name, task, crontab minute, hour, description)
    ("Termly report packs", "reports.tasks.queue_termly_packs", "15", "*",
     "Hourly: build the termly pack of each school whose term has ended (once per school and term)."),
    ("Re-send stale report runs", "reports.tasks.requeue_stale_report_runs", "*/10", "*",
     "Every 10 minutes: runs left queued while Redis was down, or running on a worker that died."),
]


class Command(BaseCommand):
    help = "Create or update the periodic tasks, and a termly-pack schedule for every school."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, task, minute, hour, description in PERIODIC_TASKS:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
                timezone="Europe/London",
            )
            # The timing is set only when the task is created, so an admin's change of time survives.
            _, created = PeriodicTask.objects.update_or_create(
                name=name,
                defaults={"task": task, "description": description},
                create_defaults={"task": task, "description": description, "crontab": crontab, "enabled": True},
            )
            self.stdout.write(f"{'Created' if created else 'Updated'} periodic task: {name}")
        made = 0
        for school in School.objects.filter(report_schedule__isnull=True):
            ReportSchedule.objects.create(school=school)
            made += 1
        self.stdout.write(f"Termly pack schedules: {made} created, {ReportSchedule.objects.count()} in all.")
