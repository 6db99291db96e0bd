"""The compliance engine (组织生活落实情况): for branches or units and a period, each rule's verdict per window.

For every rule, the period is cut into the rule's windows (a year has 12 monthly windows, 4 quarterly,
1 yearly; a month lies in one quarter and one year). Each window is judged as of an evaluation day
(`today`, never the wall clock when a caller gives it) and gets one status (`verdicts.Status`):

- met (已完成): at least `min_count` submitted records with complete evidence (谈心谈话: every kind of
  pair reached its required coverage, `coverage`; 党小组会: every party group in force met);
- due (待完成): the window containing the evaluation day, not met yet;
- upcoming (未到期): a window that has not begun;
- warning (未完成·预警): ended unmet, rule is soft (一般) or local (本地规定);
- failure (未完成·不合格): ended unmet, rule is hard;
- na (不适用): the rule is switched off for the unit, the branch had no party group in force (党小组会),
  or the branch was founded after the window's midpoint;
- not_judged (未纳入): the unit's judging had not started at the window's midpoint (the platform's
  start date, or the unit's later one): never a warning or failure, in no rate;
- ended (已撤销): the branch had been dissolved or merged by the window's midpoint: no verdict, and no
  place in any roll-up.

A window the subject did not count in shows met when it was met anyway. Every window is judged by the
tree as it was (`orgs.tree`): branches, party groups and memberships in force at its midpoint, so a
verdict never changes because of a later change to the tree.

A record counts as `apps.partylife.counting` says (submitted, with complete evidence); for a type it
“also counts as” it must carry that type's evidence too. Counting runs in the database: one query by
(branch, party group, type, month) for all subjects, its own records and the “also counts as” rows
grouped in two arms of a UNION ALL. Rules in use, closes and judging starts are read once per GET
request (`apps.core.request_cache`), however many evaluations a page runs.
The number of queries does not grow with the number of branches, windows or changes to the tree.

Pages that roll up many units read the engine's cells as stored (`store`, kept current by `upkeep` in every
writer's transaction) rather than running it on the request.
"""

from .engine import evaluate_branches, evaluate_by_unit, evaluate_units, founded_in_time, rollup_branches
from .loading import active_rules, switched_off, year_range
from .records import cell_records, missing_for
from .verdicts import FILTER_STATUSES, FINISHED_UNMET, Cell, EffectiveRule, Reach, Status, SubjectResult, verdict

__all__ = [
    "FILTER_STATUSES",
    "FINISHED_UNMET",
    "Cell",
    "EffectiveRule",
    "Reach",
    "Status",
    "SubjectResult",
    "active_rules",
    "cell_records",
    "evaluate_branches",
    "evaluate_by_unit",
    "evaluate_units",
    "founded_in_time",
    "missing_for",
    "rollup_branches",
    "switched_off",
    "verdict",
    "year_range",
]
