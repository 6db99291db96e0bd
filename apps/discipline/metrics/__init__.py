"""What discipline feeds the "四看" scoring (core metric registry): one module per area."""


def register() -> None:
    """Import the area modules: their `@register` decorators fill the core registry."""
    from . import cards, inspections, reports, talks  # noqa: F401
