"""Load the shipped Progression 2012 quartile table as a reference set every school can use."""

from django.db import migrations


def load(apps, schema_editor):
    from assessments.reference import load_shipped_quartiles

    load_shipped_quartiles(apps.get_model("assessments", "ReferenceSet"), apps.get_model("assessments", "QuartileRow"))


def unload(apps, schema_editor):
    from assessments.reference import SHIPPED_QUARTILES_NAME

    apps.get_model("assessments", "ReferenceSet").objects.filter(
        school__isnull=True, kind="quartiles", name=SHIPPED_QUARTILES_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_reference_sets")]

    operations = [migrations.RunPython(load, unload)]
