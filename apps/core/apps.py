from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "公共"

    def ready(self):
        from . import audit, trash  # noqa: F401 - trash: registers its purge task
        from .audit import tasks  # noqa: F401 - registers the cleanup task (not an app's tasks.py)
        from .exports import JOB_KIND  # noqa: F401 - registers the export job kind and, through jobs, its tasks

        audit.connect()
