"""Discipline metrics · talks (core metric registry)."""
