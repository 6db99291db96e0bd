"""Scoring's writes: the indicator system (`systems`), manual points (`manual`), ranking runs (`runs`)."""
