"""What study feeds the "四看" scoring (core metric registry)."""


def register() -> None:
    pass
