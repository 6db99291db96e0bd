"""Every write to the organisation tree, rosters, accounts and roles.

Each function takes keyword-only arguments, checks that `actor` may do it (where the
object is and where it goes), runs `full_clean()` and commits in one transaction. Views,
forms and API serializers call these and hold no rules of their own. By area: `tree`
(units, branches, party groups), `members` (rosters and memberships), `accounts`
(accounts, roles, login audit), `platform` (平台设置: the city's start date), `stats` (the daily
headcount); `common` holds the field lists the forms and serializers reference.
"""

from .accounts import (
    account_create,
    account_reset_password,
    account_set_active,
    login_failed,
    login_succeeded,
    role_grant,
    role_revoke,
    roles_of,
    user_password_change,
)
from .common import BRANCH_FIELDS, MEMBER_FIELDS, PARTY_GROUP_FIELDS, UNIT_FIELDS
from .members import (
    default_since,
    member_create,
    member_deactivate,
    member_reactivate,
    member_transfer,
    member_update,
    membership_open,
    memberships_open_bulk,
)
from .platform import PLATFORM_FIELDS, platform_update
from .stats import headcount_snapshot
from .tree import (
    branch_create,
    branch_dissolve,
    branch_update,
    party_group_create,
    party_group_dissolve,
    party_group_update,
    unit_create,
    unit_update,
)
