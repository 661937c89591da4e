"""Demo data steps of the modules: <NN>_<name>.py with `run(ctx)`, run in name order."""
