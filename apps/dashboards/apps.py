from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "apps.dashboards"
    label = "dashboards"
    verbose_name = "首页与看板"

    def ready(self):
        from apps.core import navigation
        from apps.core.navigation import NavItem
        from apps.orgs.access import Role

        navigation.register(
            # Every signed-in user has a home page, a role or none.
            NavItem("首页", "home", roles=tuple(Role.LABELS), icon="house", order=0),
        )
        # The API docs (接口文档) are the committee's tool, not a daily page: in the account menu (base.html).
