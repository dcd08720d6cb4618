"""The stakeholder site: pages generated from the ledger at `mkdocs build` time."""
