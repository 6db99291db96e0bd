"""Organisation tree (组织架构): units 单位, branches 党支部, party groups 党小组, members 党员.

Roles are django-guardian object permissions on Unit and Branch; every read a
user sees goes through `access.scope_for` and the `scope_paths` each model declares.

The tree has a history (ARCHITECTURE rule 9): a branch has a founding date and, once
it ends, a dissolution date, a reason (撤销 / 合并 / 更名·改建) and for a merge its
successor; a party group is founded and dissolved on dates; a member's time in each
branch is a `Membership` with a start and an end. Nothing is deleted: a window is
judged by the tree as it was then (`apps.orgs.tree`). The platform's start date
(`Platform`, and `Unit.joined_on` for units that joined later) says from when on
anything is judged at all.
"""

from .accounts import ApiToken, LoginEvent, User
from .members import (
    MIN_JOIN_AGE,
    Gender,
    Member,
    MemberQuerySet,
    Membership,
    MembershipQuerySet,
    MemberStatus,
    join_date_problem,
    youth_born_after,
)
from .permissions import (
    BranchGroupObjectPermission,
    BranchUserObjectPermission,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from .stats import HeadcountSnapshot
from .tree import (
    Branch,
    BranchEnd,
    BranchKind,
    LifespanQuerySet,
    PartyGroup,
    PartyOrgKind,
    Platform,
    Unit,
    UnitCategory,
)
