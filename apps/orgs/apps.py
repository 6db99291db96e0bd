from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "apps.orgs"
    label = "orgs"
    verbose_name = "组织架构"

    def ready(self):
        from . import selectors  # noqa: F401  (attaches scope_paths to the org models)
