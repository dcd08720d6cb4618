"""What each page shows, as typed view models computed from the ledger.

One module per page kind; templates only lay the models out. Values from records stay
text (the templates escape them, Markdown fields go through the `md` filters); everything
derived here (badges, durations, overdue flags, links, sort keys) comes from validated
fields and degrades to blank or "unknown" on anything odd rather than failing the build.
"""
