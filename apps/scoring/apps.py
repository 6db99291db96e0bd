from django.apps import AppConfig

# The scoring app's areas: each has views/<area>.py (urlpatterns, NAV_ITEMS), api/<area>.py (register(router)),
# selectors/<area>.py, forms/<area>.py, filters/<area>.py and templates/scoring/<area>_*.html.
#   systems: the year's indicator system (指标体系) and its versions
#   manual:  points the committee enters (人工评分, 加分, 扣分, 一票否决), Excel import
#   runs:    ranking runs (排名测算): start, progress, publish, the ranking table, exports
#   results: a unit's score explained (breakdown → indicator → metric → records), its history, what would raise it
AREAS = ("systems", "manual", "runs", "results")


class ScoringConfig(AppConfig):
    name = "apps.scoring"
    label = "scoring"
    verbose_name = "“四看”评价"

    def ready(self):
        from apps.core import areas, default_data, navigation

        from . import defaults, demo
        from .services import restore

        default_data.register("scoring", defaults.load)
        restore.register()  # nothing goes back from the trash (回收站) into a frozen indicator system
        demo.register()  # the demo city's year of rankings (core demo registry)
        navigation.register_menu("scoring", label="四看评价", icon="trophy", order=29)
        areas.register_navigation(__package__, AREAS)
