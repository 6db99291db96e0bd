"""Org tree pages (组织架构), one module per area: `tree` (units, branches, party groups),
`members`, `accounts` (accounts and roles), `imports` (roster import), `platform` (平台设置).

Every view is guarded (`apps.orgs.access`), reads through `selectors`, filters its lists
with the FilterSets of `filters` and writes through `services`, whose ValidationError
becomes a form error in Chinese.
"""
