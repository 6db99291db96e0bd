from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Above every app: owns `manage.py seed_demo`, which runs the demo steps the apps register."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "演示数据"
