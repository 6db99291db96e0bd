"""Seed the default activity types and compliance rules (DOMAIN.md §2, SOURCES.md)."""

from django.db import migrations

from apps.partylife.defaults import ACTIVITY_TYPES, RULES


def load(apps, schema_editor):
    ActivityType = apps.get_model("partylife", "ActivityType")
    ComplianceRule = apps.get_model("partylife", "ComplianceRule")
    # defaults.py may name fields added by later migrations; those set them there.
    known = {f.name for f in ActivityType._meta.get_fields()}
    types = {}
    for spec in ACTIVITY_TYPES:
        values = {k: v for k, v in spec.items() if k != "code" and k in known}
        obj, _ = ActivityType.objects.update_or_create(code=spec["code"], defaults=values)
        types[spec["code"]] = obj
    for spec in RULES:
        fields = {k: v for k, v in spec.items() if k != "type"}
        if not ComplianceRule.objects.filter(activity_type=types[spec["type"]], name=spec["name"]).exists():
            ComplianceRule.objects.create(activity_type=types[spec["type"]], min_count=1, **fields)


def unload(apps, schema_editor):
    apps.get_model("partylife", "ComplianceRule").objects.all().delete()
    apps.get_model("partylife", "ActivityType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("partylife", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
