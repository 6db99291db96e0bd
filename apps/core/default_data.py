"""Default data registry: rows an app needs to work at all (its rules, its types), seeded by data migrations.

Migrations put them in once. Tests that flush the database (transactional tests)
lose them; the test suite calls `load_all()` to put every app's defaults back
without knowing the apps. Each loader is idempotent.

    default_data.register("partylife", load_defaults)
"""

from __future__ import annotations

from collections.abc import Callable

from django.test.utils import override_settings

from . import audit

_LOADERS: dict[str, Callable[[], None]] = {}


def register(app: str, loader: Callable[[], None]) -> None:
    _LOADERS[app] = loader


def load_all() -> None:
    """Every app's defaults, as its data migration left them: no history rows and no audit entries (a rule with a
    history row dated today would be "added after" every month closed before, and judge none of them)."""
    with override_settings(SIMPLE_HISTORY_ENABLED=False), audit.suppressed():
        for app in sorted(_LOADERS):
            _LOADERS[app]()
