"""Forms of party life: `records` (the activity form and its parts), `rows` (its attendance and problem
rows), `review` (the committee's unlock and return), `makeup` (补学), `compliance` (rules, overrides,
未开展原因) and `params` (the compliance pages' query parameters)."""
