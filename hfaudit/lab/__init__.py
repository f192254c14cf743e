"""Research code: benchmarks, lower bounds and evaluators (``python -m hfaudit.lab.<module>``)."""
