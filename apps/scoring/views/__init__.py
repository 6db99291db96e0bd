"""Scoring pages, one module per area (apps.AREAS)."""
