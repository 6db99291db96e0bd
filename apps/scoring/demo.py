"""The demo city's rankings (stub: registered as a demo step)."""


def register() -> None:
    pass
