from django.apps import AppConfig

# The discipline app's areas: each has views/<area>.py (urlpatterns, NAV_ITEMS), api/<area>.py (register(router)),
# services/<area>.py, selectors/<area>.py, filters/<area>.py, forms/<area>.py, metrics/<area>.py,
# reminders/<area>.py (send(today=, now=) -> int) and templates/discipline/<area>_*.html.
AREAS = ("duties", "reports", "talks", "inspections", "cards", "education", "board")


class DisciplineConfig(AppConfig):
    name = "apps.discipline"
    label = "discipline"
    verbose_name = "纪律监督"

    def ready(self):
        from apps.core import areas, default_data, navigation

        from . import defaults, demo, metrics, study_sources
        from .services import restore

        study_sources.register()  # warning-education hours reach the study ledger (entered once)
        restore.register()  # a file goes back from the trash only to a report or 整改 still open (回收站)
        default_data.register("discipline", defaults.load)
        metrics.register()  # what discipline feeds scoring (core metric registry)
        demo.register()  # the demo city's supervision records (core demo registry)
        navigation.register_menu("discipline", label="纪律监督", icon="shield-check", order=27)
        areas.register_navigation(__package__, AREAS)
