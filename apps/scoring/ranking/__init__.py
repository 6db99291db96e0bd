"""The ranking engine: `inputs` gathers what a run reads (a fixed number of grouped queries), `compute` turns
those plain inputs into every unit's scores, ranks and tiers (no database), `points` maps one value to points."""
