"""Study API · knowledge."""


def register(router) -> None:
    pass
