"""Lead routing: rules as data, explainable distribution to reps, fair under concurrency."""
