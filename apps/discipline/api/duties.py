"""Discipline API · duties."""


def register(router) -> None:
    pass
