"""Discipline API · education."""


def register(router) -> None:
    pass
