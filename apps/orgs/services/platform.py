"""The platform's settings (平台设置): the city's start date, from which party life is judged."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from apps.core.permissions import require

from .. import permissions
from ..access import scope_for
from ..models import Platform, User
from .common import _saved

#: What the committee sets on the 平台设置 page (its form and any serializer reference it).
PLATFORM_FIELDS = ("start_on",)


@transaction.atomic
def platform_update(*, actor: User, start_on: dt.date) -> Platform:
    """Set the city's platform start date (平台启用日期); each change is kept in the row's history.

    Windows before it are not judged (未纳入); a unit that joined later keeps its own `joined_on`.
    """
    require(permissions.may_configure_platform(scope_for(actor)), "只有工委管理员可以修改平台设置。")
    platform = Platform.objects.select_for_update().filter(pk=1).first()
    if platform is None:
        platform = Platform(pk=1)
    elif platform.start_on == start_on:
        return platform
    platform.start_on = start_on
    return _saved(platform)
