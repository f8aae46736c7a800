"""English and maths exist from the start: the core subjects every report reads, so a new
install can import assessments at once. Other subjects are added in the admin (or by imports'
owners) as the school needs them."""

from django.db import migrations

CORE = [("english", "English", 1), ("maths", "Maths", 2)]


def add_core_subjects(apps, schema_editor):
    Subject = apps.get_model("pupils", "Subject")
    for code, name, position in CORE:
        Subject.objects.get_or_create(code=code, defaults={"name": name, "core": True, "position": position})


class Migration(migrations.Migration):
    dependencies = [("pupils", "0001_initial")]
    operations = [migrations.RunPython(add_core_subjects, migrations.RunPython.noop)]
