"""Discipline metrics · cards (core metric registry)."""
