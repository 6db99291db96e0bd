"""Study API · sessions."""


def register(router) -> None:
    pass
