"""Home pages (首页), one per role. `home` sends each user to theirs."""

from django.shortcuts import render
from django.utils import timezone

from apps.orgs.access import Role, scope_required

from .. import selectors


@scope_required
def home(request, scope):
    page = {
        Role.COMMITTEE: _committee_home,
        Role.UNIT: _unit_home,
        Role.BRANCH: _branch_home,
        Role.MEMBER: _member_home,
    }.get(scope.role)
    if page is None:
        return render(request, "dashboards/no_role.html", status=200)
    return page(request, scope)


def _with_month_cells(branches):
    month_cells = selectors.branch_month_status(branches, today=timezone.localdate())
    for branch in branches:
        branch.month_cells = month_cells.get(branch.pk, [])
    return branches


#: A city's home shows every unit; a province's (3,000 units) the first rows of the ranking, with the way to
#: the whole run, and the heatmap's units with the lowest compliance — thousands of rows are neither read on a
#: home page nor cheap to draw.
HOME_RANKING_ROWS = 100
HOME_HEATMAP_UNITS = 60


def _committee_home(request, scope):
    counts = selectors.tree_counts(scope)
    board = selectors.committee_board()
    charts, heatmap = None, None
    if board is not None:
        heatmap = board.heatmap
        if len(heatmap.units) > HOME_HEATMAP_UNITS:
            heatmap = heatmap.lowest(HOME_HEATMAP_UNITS)
        charts = {
            "radar": board.radar,
            "trends": board.trends,
            "categories": board.categories,
            "heatmap": heatmap.as_json(),
            "tiers": board.headline["tiers"],
        }
    context = {
        "stats": selectors.roster_stats(scope),
        "unit_count": counts["units"],
        "branch_count": counts["branches"],
        "board": board,
        "ranking_rows": board.rows[:HOME_RANKING_ROWS] if board else [],
        "ranking_more": max(len(board.rows) - HOME_RANKING_ROWS, 0) if board else 0,
        "heatmap_lowest": heatmap is not None and heatmap is not board.heatmap,
        "charts": charts,
        "empty_message": selectors.EMPTY_MESSAGE,
    }
    return render(request, "dashboards/committee_home.html", context)


def _unit_home(request, scope):
    today = timezone.localdate()
    units = selectors.units_overview(scope)
    branches = _with_month_cells(selectors.unit_branches(scope, units))
    card = selectors.score_card(scope)
    context = {
        "units": units,
        "stats": selectors.roster_stats(scope),
        "branches": branches,
        "card": card,
        "history": selectors.score_history(scope, latest=card),
        "todos": selectors.unit_todos(scope, branches, today=today),
        "today": today,
    }
    return render(request, "dashboards/unit_home.html", context)


def _branch_home(request, scope):
    branches = _with_month_cells(selectors.own_branches(scope))
    context = {
        "branches": branches,
        "stats": selectors.roster_stats(scope),
        "members": selectors.branch_members(scope, branches),
    }
    return render(request, "dashboards/branch_home.html", context)


def _member_home(request, scope):
    today = timezone.localdate()
    member = scope.members().select_related("branch__unit", "party_group").get(pk=scope.member_id)
    cells = selectors.branch_month_status([member.branch], today=today).get(member.branch_id, [])
    context = {
        "member": member,
        # The first block: the member's year of study (学习进度), as on the study app's own page.
        "progress": selectors.member_study_progress(member, today=today),
        "study_links": selectors.study_links(),
        "upcoming": selectors.member_upcoming(scope, member, today=today, month_cells=cells),
        "makeups": selectors.member_open_makeups(scope),
        "activities": selectors.member_recent_activities(scope),
    }
    return render(request, "dashboards/member_home.html", context)
