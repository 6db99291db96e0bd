"""Scoring API · manual (stub: the area's viewsets are registered here)."""


def register(router) -> None:
    pass
