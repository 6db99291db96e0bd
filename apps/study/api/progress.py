"""Study API · progress."""


def register(router) -> None:
    pass
