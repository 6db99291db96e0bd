"""Scoring deletes go to the trash (回收站): a manual score comes back with its history, never into a frozen year."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core import trash
from apps.core.models import TrashEntry
from apps.scoring.models import ManualScore
from apps.scoring.services import manual as services
from apps.scoring.services.systems import FROZEN, indicator_delete, system_for

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_manual_score_goes_to_the_trash_and_comes_back_not_into_a_frozen_year(committee_user, side_a):
    system = system_for(YEAR)
    hotline = system.indicators.get(code="hotline-12345")
    entry = services.manual_create(
        actor=committee_user,
        fields={
            "indicator": hotline,
            "unit": side_a.unit,
            "period_key": f"{YEAR}-Q3",
            "points": Decimal("8"),
            "note": "工单办结",
        },
    )
    pk = entry.pk
    services.manual_delete(actor=committee_user, entry=entry)
    assert not ManualScore.objects.exists()
    stored = TrashEntry.objects.get()
    assert (stored.kind, stored.unit_id) == ("scoring.manualscore", side_a.unit.pk)

    system.frozen_at = timezone.now()
    system.save()
    with pytest.raises(ValidationError, match=FROZEN):
        trash.restore(stored, actor=committee_user)
    assert not ManualScore.objects.exists()

    system.frozen_at = None
    system.save()
    trash.restore(stored, actor=committee_user)
    restored = ManualScore.objects.get(pk=pk)
    assert (restored.points, restored.note) == (Decimal("8"), "工单办结")
    assert restored.history.first().history_change_reason == trash.RESTORED_NOTE


def test_an_unused_indicator_goes_to_the_trash_and_comes_back(committee_user):
    system = system_for(YEAR)
    indicator = system.indicators.get(code="hotline-12345")
    pk = indicator.pk
    indicator_delete(actor=committee_user, indicator=indicator)
    assert not system.indicators.filter(pk=pk).exists()
    trash.restore(TrashEntry.objects.get(kind="scoring.indicator"), actor=committee_user)
    assert system.indicators.filter(pk=pk, code="hotline-12345").exists()
