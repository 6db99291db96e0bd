"""Study API · self_study."""


def register(router) -> None:
    pass
