"""opsledger: release requests and incidents kept as reviewed YAML in git."""

__version__ = "0.1.0"
