"""Who may do what in study (asked by the views to show a button and by the services before writing)."""

from __future__ import annotations

from apps.orgs.access import Scope
from apps.orgs.models import Branch, Member


def can_configure(scope: Scope) -> bool:
    """The committee keeps the year's targets, the 应知应会 list, the question bank and the exams."""
    return scope.is_committee


def can_keep_unit_sessions(scope: Scope, unit_id: int | None) -> bool:
    """专题培训, 读书班 and youth-group study of a unit: its secretary (or the committee)."""
    return unit_id is not None and scope.manages_unit(unit_id)


def can_keep_branch_sessions(scope: Scope, branch: Branch | None) -> bool:
    """A branch's 周学: its secretary, its unit's secretary, the committee."""
    return branch is not None and scope.manages_branch(branch)


def can_log_self_study(scope: Scope, member: Member) -> bool:
    """自学 is logged by the member themself, nobody else (a secretary reads it)."""
    return scope.member_id is not None and scope.member_id == member.pk


def can_see_progress(scope: Scope, member: Member) -> bool:
    """A member's progress: themself, the secretaries of their branch or unit, the committee."""
    return scope.member_id == member.pk or scope.manages_branch(member.branch)


# --- exams


def can_read_attempt(scope: Scope, attempt) -> bool:
    """An attempt (答卷): its member, and the committee (read-only). Secretaries read results, not answer sheets."""
    return scope.is_committee or (scope.member_id is not None and attempt.member_id == scope.member_id)


def can_answer_attempt(scope: Scope, attempt) -> bool:
    """Only the member themself answers and submits their attempt."""
    return scope.member_id is not None and attempt.member_id == scope.member_id


# --- sessions, 自学, 应知应会 -------------------------------------------------------------------


def can_keep_session(scope: Scope, *, kind: str, unit_id: int | None, branch: Branch | None) -> bool:
    """Whether the actor keeps sessions of this kind at this place: a 周学 by its branch, the rest by its unit."""
    from .models import SessionKind

    if kind == SessionKind.WEEKLY:
        return can_keep_branch_sessions(scope, branch)
    return can_keep_unit_sessions(scope, unit_id)


def can_change_session(scope: Scope, session) -> bool:
    """Edit or delete a session where it is (its new place is asked again with `can_keep_session`)."""
    return can_keep_session(scope, kind=session.kind, unit_id=session.unit_id, branch=session.branch)


def can_keep_youth_groups(scope: Scope, unit_id: int | None) -> bool:
    """青年理论学习小组 of a unit are set up by its secretary or the committee."""
    return can_keep_unit_sessions(scope, unit_id)


def can_mark_knowledge(scope: Scope) -> bool:
    """Only a member marks 应知应会 items studied, for themself."""
    return scope.member_id is not None


def can_see_knowledge_progress(scope: Scope) -> bool:
    """Secretaries (branch, unit) and the committee see the 应知应会 progress of the members they keep."""
    return scope.is_manager
