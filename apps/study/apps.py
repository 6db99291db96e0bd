from django.apps import AppConfig

# The study app's areas: each has views/<area>.py (urlpatterns, NAV_ITEMS), api/<area>.py (register(router)),
# services/<area>.py, selectors/<area>.py, filters/<area>.py, forms/<area>.py and templates/study/<area>_*.html.
AREAS = ("sessions", "self_study", "knowledge", "exams", "progress")


class StudyConfig(AppConfig):
    name = "apps.study"
    label = "study"
    verbose_name = "理论学习"

    def ready(self):
        from apps.core import areas, navigation

        from . import demo, metrics, sources

        sources.register()  # this app's sessions and 自学 feed the ledger, beside party life's lessons
        metrics.register()  # what study feeds scoring (core metric registry)
        demo.register()  # the demo city's year of study (core demo registry)
        navigation.register_menu("study", label="理论学习", icon="book", order=25)
        areas.register_navigation(__package__, AREAS)
