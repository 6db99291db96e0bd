from django.apps import AppConfig


class PartylifeConfig(AppConfig):
    name = "apps.partylife"
    label = "partylife"
    verbose_name = "党内政治生活"

    def ready(self):
        from . import metrics  # noqa: F401  (registers the scoring metrics)
