"""Discipline API · cards."""


def register(router) -> None:
    pass
