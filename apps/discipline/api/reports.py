"""Discipline API · reports."""


def register(router) -> None:
    pass
