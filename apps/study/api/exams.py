"""Study API · exams."""


def register(router) -> None:
    pass
