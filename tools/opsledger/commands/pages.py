"""`opsledger pages OUT`: the site's pages (hand-written and generated) as files in OUT, for
a builder that runs no MkDocs plugin, such as Zensical."""

from __future__ import annotations

from pathlib import Path

from opsledger.location import find_root
from opsledger.problems import Outcome
from opsledger.reporters import text
from opsledger.site.pages import write_pages
from opsledger.wording import count


def run(*, out: str, docs: str, language: str | None) -> Outcome:
    root = find_root()
    written, problems = write_pages(root, root / docs, Path(out), language)
    note = f"wrote {count(len(written), 'generated file')} and the pages of {docs}/ to {out}"
    if problems:
        return Outcome("", 1, text(problems, "ledger") + f"\n{note}")
    return Outcome("", 0, note)
