"""Discipline API · inspections."""


def register(router) -> None:
    pass
