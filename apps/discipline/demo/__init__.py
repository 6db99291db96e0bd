"""The discipline app's demo data (a demo step in the core registry)."""


def register() -> None:
    pass
