"""Forms of party life: `records` (the activity form and its parts), `compliance` (rules, overrides,
未开展原因) and `params` (the compliance pages' query parameters)."""
