from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "apps.orgs"
    label = "orgs"
    verbose_name = "组织架构"

    def ready(self):
        from apps.core import demo as demo_registry
        from apps.core import navigation
        from apps.core.navigation import NavItem

        from . import demo, roster_import  # noqa: F401 - roster_import registers its background job
        from .access import Role
        from .demo import scale

        demo_registry.register(
            demo_registry.DemoStep(
                app="orgs",
                label=demo.LABEL,
                seed=demo.seed,
                reset=demo.reset,
                present=demo.present,
                org_data=True,
                scale=scale.scale,
            )
        )

        navigation.register_menu("orgs", label="组织架构", icon="diagram-3", order=30)
        committee, unit = (Role.COMMITTEE,), (Role.UNIT,)
        navigation.register(
            NavItem("单位管理", "orgs:unit_list", roles=committee, menu="orgs", order=10),
            NavItem("党支部管理", "orgs:branch_list", roles=committee, menu="orgs", order=20),
            NavItem("本单位支部", "orgs:branch_list", roles=unit, menu="orgs", order=20),
            NavItem("党员名册", "orgs:member_list", roles=(*committee, *unit), menu="orgs", order=30),
            NavItem("名册导入", "orgs:roster_import", roles=(*committee, *unit), menu="orgs", order=40),
            NavItem("账号与角色", "orgs:account_list", roles=committee, menu="orgs", order=50, divider_before=True),
            NavItem("平台设置", "orgs:platform", roles=committee, menu="orgs", order=60),
            # The audit trail (留痕) is core's page; the committee finds it beside accounts and settings.
            NavItem("审计日志", "core:audit_list", roles=committee, menu="orgs", order=70),
            NavItem("回收站", "core:trash_list", roles=committee, menu="orgs", order=75),  # core's page too
            # A branch secretary keeps no roster: their branch's members are one link, not a menu.
            NavItem("支部党员", "orgs:member_list", roles=(Role.BRANCH,), icon="people", order=35),
        )
