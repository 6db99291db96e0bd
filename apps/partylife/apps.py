from django.apps import AppConfig


class PartylifeConfig(AppConfig):
    name = "apps.partylife"
    label = "partylife"
    verbose_name = "党内政治生活"

    def ready(self):
        from apps.core import default_data

        from . import defaults, metrics  # noqa: F401  (metrics registers the scoring metrics)
        from .models import ActivityType, ComplianceRule

        default_data.register("partylife", lambda: defaults.load(ActivityType, ComplianceRule))
