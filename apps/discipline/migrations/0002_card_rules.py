from django.db import migrations


def load(apps, schema_editor):
    from apps.discipline.defaults import load as load_defaults

    load_defaults(apps.get_model("discipline", "CardRule"))


class Migration(migrations.Migration):
    dependencies = [("discipline", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
