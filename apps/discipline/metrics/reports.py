"""Discipline metrics · reports (core metric registry)."""
