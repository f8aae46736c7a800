"""Set up the periodic tasks in django-celery-beat's tables (visible and editable in the admin).

update_or_create, never delete-all: run history and an admin's edits to other tasks are kept.
Beat (`celery -A sencotrack beat`, exactly one) reads them from the database.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from pupils.models import School
from reports.models import ReportSchedule

TERMLY_PACKS = (
    "Termly report packs", "reports.tasks.queue_termly_packs", "15", "*",
    "Hourly: build the termly pack of each school whose term has ended (once per school and term).",
)
SWEEPER = "Re-send stale report runs"


class Command(BaseCommand):
    help = "Create or update the periodic tasks, and a termly-pack schedule for every school."

    @transaction.atomic
    def handle(self, *args, **options):
        self._termly_packs()
        self._sweeper()
        made = 0
        for school in School.objects.filter(report_schedule__isnull=True):
            ReportSchedule.objects.create(school=school)
            made += 1
        self.stdout.write(f"Termly pack schedules: {made} created, {ReportSchedule.objects.count()} in all.")

    def _termly_packs(self) -> None:
        name, task, minute, hour, description = TERMLY_PACKS
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London",
        )
        # The timing is set only when the task is created, so an admin's change of time survives.
        _, created = PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "description": description},
            create_defaults={"task": task, "description": description, "crontab": crontab, "enabled": True},
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} periodic task: {name}")

    def _sweeper(self) -> None:
        """The sweeper's timing comes from the settings (REPORT_RUN_SWEEP_SECONDS) every time: it is
        how runs recover from a dead worker, so it is always on and never left on an old timing."""
        every = settings.REPORT_RUN_SWEEP_SECONDS
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
        description = (
            f"Every {every} seconds: queue again the report runs whose worker stopped (no heartbeat for "
            f"{settings.REPORT_RUN_STALE_SECONDS} s), and send the runs Redis could not take. Set by "
            "setup_schedules from the settings: change REPORT_RUN_SWEEP_SECONDS rather than this."
        )
        _, created = PeriodicTask.objects.update_or_create(
            name=SWEEPER,
            defaults={
                "task": "reports.tasks.requeue_stale_report_runs", "description": description, "enabled": True,
                "interval": interval, "crontab": None, "solar": None, "clocked": None, "one_off": False,
                # A sweep that waited behind long builds for a whole interval is dropped: the next one comes.
                "expire_seconds": every,
            },
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} periodic task: {SWEEPER} (every {every} s)")
