"""Study metrics · hours (core metric registry)."""
