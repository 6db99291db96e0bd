"""Party life (党内政治生活): activity records, attendance, evidence, 补学, and the compliance rules.

Activity types and compliance rules are data (seeded from DOMAIN.md by a data
migration, edited by the committee). A record belongs to a unit, and to a branch
(or a party group) for branch-level types; it inherits visibility from them.
"""

from .evidence import (
    Evidence,
    EvidenceKind,
    StagedEvidence,
    StagedEvidenceQuerySet,
    evidence_path,
    extension_of,
    staged_path,
)
from .records import (
    Activity,
    ActivityReturn,
    ActivitySpeech,
    ActivityStatus,
    ActivityUnlock,
    Attendance,
    EnterpriseProblem,
    MakeupTask,
    ProblemCategory,
)
from .rules import (
    ActivityCategory,
    ActivityType,
    ComplianceRule,
    Level,
    MissedReason,
    PeriodLock,
    RuleOverride,
    Strength,
)
from .verdicts import ComplianceVerdict, VerdictYear
