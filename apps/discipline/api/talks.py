"""Discipline API · talks."""


def register(router) -> None:
    pass
