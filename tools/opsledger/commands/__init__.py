"""One module per CLI command, named after it. Each exposes `run(...)` with named, typed
arguments and returns an Outcome; `opsledger.cli` calls them explicitly."""
