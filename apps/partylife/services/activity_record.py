"""The one-page form's save (登记组织生活): every part of a record in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from apps.core import batching
from apps.core.files import files_removed_on_failure
from apps.orgs.models import Branch, PartyGroup, Unit, User

from ..models import Activity, ActivityType, StagedEvidence
from .evidence import activity_evidence_add, evidence_attach_staged
from .records import (
    AttendanceInput,
    EvidenceInput,
    ProblemInput,
    activity_attendance_set,
    activity_create,
    activity_problems_set,
    activity_submit,
    activity_update,
)
from .speeches import SpeechInput


def activity_record(
    *,
    actor: User,
    activity_type: ActivityType,
    activity: Activity | None = None,
    unit: Unit | None = None,
    branch: Branch | None = None,
    party_group: PartyGroup | None = None,
    fields: dict,
    also_counts_as: Sequence[ActivityType] | None = None,
    attendance: Sequence[AttendanceInput] | None = None,
    problems: Sequence[ProblemInput] | None = None,
    speeches: Sequence[SpeechInput] | None = None,
    evidence: Sequence[EvidenceInput] = (),
    staged: Sequence[StagedEvidence] = (),
    submit: bool = False,
    allow_duplicate: bool = True,
) -> Activity:
    """Save the one-page form: create or update the record, its 研讨发言, attendance, problems, new evidence
    and the actor's staged files (kept from a refused submit), and submit it if asked — all in one
    transaction (None leaves a part as it is). Unless `allow_duplicate`, a likely duplicate is refused.

    Evidence files stored before a failure are removed again.
    """
    common = {
        "actor": actor,
        "unit": unit,
        "branch": branch,
        "party_group": party_group,
        "fields": fields,
        "also_counts_as": also_counts_as,
        "allow_duplicate": allow_duplicate,
        "speeches": speeches,
    }
    with files_removed_on_failure(), batching.batch():
        if activity is None:
            activity = activity_create(activity_type=activity_type, **common)
        else:
            activity = activity_update(activity=activity, activity_type=activity_type, **common)
        if attendance is not None:
            activity = activity_attendance_set(actor=actor, activity=activity, rows=attendance)
        if problems is not None:
            activity = activity_problems_set(actor=actor, activity=activity, rows=problems)
        if evidence:
            activity_evidence_add(actor=actor, activity=activity, items=evidence)
        if staged:
            evidence_attach_staged(actor=actor, activity=activity, staged=staged)
        if submit:
            activity = activity_submit(actor=actor, activity=activity)
        activity.refresh_from_db()
        return activity
