"""The rosters' invariant, walked over every member: what every roster service and the import must keep.

Each member on a roster has exactly one open membership, in `Member.branch`, and a member who left has
none; no two memberships of one member overlap; none lies in a branch outside that branch's life.
"""

from collections import defaultdict

from apps.orgs.models import Member, Membership


def membership_problems() -> list[str]:
    """Every breach of the invariant, as readable lines (empty: consistent)."""
    problems = []
    by_member = defaultdict(list)
    for m in Membership.objects.select_related("branch").order_by("member_id", "start_on", "pk"):
        by_member[m.member_id].append(m)
    for member in Member.objects.select_related("branch").order_by("pk"):
        rows = by_member.get(member.pk, [])
        open_rows = [m for m in rows if m.end_on is None]
        if member.active:
            if len(open_rows) != 1:
                problems.append(f"{member}: {len(open_rows)} open memberships")
            elif open_rows[0].branch_id != member.branch_id:
                problems.append(f"{member}: open membership in {open_rows[0].branch}, roster says {member.branch}")
        elif open_rows:
            problems.append(f"{member}: left on {member.left_on} but a membership is still open")
        elif rows and rows[-1].end_on != member.left_on:
            problems.append(f"{member}: left on {member.left_on}, last membership ends {rows[-1].end_on}")
        for earlier, later in zip(rows, rows[1:], strict=False):
            if earlier.end_on is None or earlier.end_on > later.start_on:
                problems.append(f"{member}: {earlier} overlaps {later}")
        for m in rows:
            ended = m.branch.dissolved_on
            after_end = ended is not None and (m.end_on is None or m.end_on > ended)
            if m.start_on < m.branch.founded_on or after_end:
                problems.append(f"{member}: {m} outside {m.branch}'s life")
    return problems


def assert_memberships_consistent() -> None:
    problems = membership_problems()
    assert not problems, "\n".join(problems[:20])
