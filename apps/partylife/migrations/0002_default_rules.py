"""Seed the default activity types and compliance rules (DOMAIN.md §2, SOURCES.md)."""

from django.db import migrations

from apps.partylife import defaults


def load(apps, schema_editor):
    defaults.load(apps.get_model("partylife", "ActivityType"), apps.get_model("partylife", "ComplianceRule"))


def unload(apps, schema_editor):
    apps.get_model("partylife", "ComplianceRule").objects.all().delete()
    apps.get_model("partylife", "ActivityType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("partylife", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
