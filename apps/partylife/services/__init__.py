"""Every write of party life (党内政治生活), one job per function: `records` (a record, its placement,
attendance and problems), `speeches` (研讨发言, written with the record), `evidence`, `makeup` (补学),
`activity_record` (the one-page form: every part in one transaction), `review` (the committee's unlock
and return of a record), `notices` (the news of new work those writes send)
and `compliance` (未开展原因, 关账, rules and overrides).

Callers write `services.activity_record(...)`; the names below are the whole public surface.
"""

from .activity_record import activity_record
from .compliance import (
    RULE_FIELDS,
    missed_reason_set,
    period_close,
    period_reopen,
    rule_edits_apply_from,
    rule_override_delete,
    rule_override_set,
    rule_update,
    window_closed,
)
from .evidence import (
    EVIDENCE_TYPES,
    activity_evidence_add,
    evidence_attach_staged,
    evidence_delete,
    evidence_stage,
    staged_evidence_purge,
)
from .makeup import makeup_complete
from .records import (
    ACTIVITY_FIELDS,
    ACTIVITY_PLACEMENT,
    MAKEUP_DAYS,
    MAX_ID,
    WRITE_DENIED,
    AttendanceInput,
    EvidenceInput,
    ProblemInput,
    activity_attendance_set,
    activity_create,
    activity_delete,
    activity_problems_set,
    activity_submit,
    activity_update,
    also_counts,
    is_locked,
    missing_evidence,
)
from .review import UNLOCK_DAYS, activity_return, activity_unlock
from .speeches import MAX_SPEECHES, SpeechInput
from .validity import likely_duplicates
