"""Study metrics · exams (core metric registry)."""
