"""Discipline API · board."""


def register(router) -> None:
    pass
