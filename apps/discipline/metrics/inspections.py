"""Discipline metrics · inspections (core metric registry)."""
