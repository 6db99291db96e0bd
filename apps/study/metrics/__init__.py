"""What study feeds the "四看" scoring (core metric registry): one module per area, each metric one grouped query."""


def register() -> None:
    """Import the area modules: their `@register` decorators fill the core registry."""
    from . import exams, hours, knowledge  # noqa: F401
