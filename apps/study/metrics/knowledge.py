"""Study metrics · knowledge (core metric registry)."""
