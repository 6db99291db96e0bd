"""Scoring metrics of party life (filled in below)."""
