"""Seed the default indicator system (apps/scoring/defaults.py) for the year the portal is installed."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    IndicatorSystem = apps.get_model("scoring", "IndicatorSystem")
    Indicator = apps.get_model("scoring", "Indicator")
    if IndicatorSystem.objects.exists():
        return
    from apps.scoring.defaults import create_default

    create_default(IndicatorSystem, Indicator, timezone.localdate().year)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
