"""Party-life API: `records` (records, attendance, evidence) and `compliance` (types, rules, verdicts)."""

from .compliance import ActivityTypeViewSet, ComplianceRuleViewSet, ComplianceViewSet
from .records import ActivityViewSet
