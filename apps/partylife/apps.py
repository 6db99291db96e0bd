import datetime as dt

from django.apps import AppConfig


def closed_months(since: dt.date) -> list[dt.date]:
    """The months closed (关账) from `since`'s month on, ascending (one query)."""
    from .models import PeriodLock

    months = PeriodLock.objects.filter(month__gte=since.replace(day=1)).order_by("month")
    return list(months.values_list("month", flat=True))


class PartylifeConfig(AppConfig):
    name = "apps.partylife"
    label = "partylife"
    verbose_name = "党内政治生活"

    def ready(self):
        from apps.core import default_data, navigation, periods
        from apps.core import demo as demo_registry
        from apps.core.navigation import NavItem
        from apps.orgs.access import Role

        from . import defaults, demo, metrics, study_sources  # noqa: F401  (metrics registers the scoring metrics)
        from .compliance import upkeep
        from .demo import scale
        from .models import ActivityType, ComplianceRule
        from .services import restore

        upkeep.connect()  # the stored verdicts follow every write that changes a verdict (compliance/store.py)
        periods.register_closed_check(closed_months)  # orgs refuses backdated tree changes into a closed month
        study_sources.register()  # the lessons party life holds feed the study ledger (core registry)
        restore.register()  # what a restore from the trash (回收站) must respect: closed months
        default_data.register("partylife", lambda: defaults.load(ActivityType, ComplianceRule))
        demo_registry.register(
            demo_registry.DemoStep(
                app="partylife",
                label=demo.LABEL,
                after=("orgs",),
                seed=demo.seed,
                reset=demo.reset,
                ensure=demo.ensure_files,
                scale=scale.scale,
            )
        )

        navigation.register_menu("partylife", label="组织生活", icon="calendar-check", order=20)
        committee, unit, branch = Role.COMMITTEE, Role.UNIT, Role.BRANCH
        navigation.register(
            NavItem("登记活动", "partylife:activity_new", roles=(unit, branch), icon="plus-circle", order=10),
            NavItem("各单位落实情况", "partylife:overview", roles=(committee,), menu="partylife", order=10),
            NavItem("本单位落实情况", "partylife:unit_overview", roles=(unit,), menu="partylife", order=10),
            NavItem("支部年度日历", "partylife:calendar", roles=(branch,), menu="partylife", order=10),
            NavItem("活动记录", "partylife:activity_list", roles=(committee, unit, branch), menu="partylife", order=20),
            NavItem("补学管理", "partylife:makeup_list", roles=(committee, unit, branch), menu="partylife", order=30),
            NavItem(
                "规则设置", "partylife:rule_list", roles=(committee,), menu="partylife", order=40, divider_before=True
            ),
            NavItem("关账管理", "partylife:period_list", roles=(committee,), menu="partylife", order=50),
            # A member keeps no records: their own party life and 补学 are top-level links.
            NavItem("我的组织生活", "partylife:activity_list", roles=(Role.MEMBER,), icon="calendar-check", order=20),
            NavItem("我的补学", "partylife:makeup_list", roles=(Role.MEMBER,), icon="journal-check", order=25),
        )
