"""The generated pages written out as files, for any static site builder (Zensical reads
mkdocs.yml but runs no MkDocs plugin). The MkDocs plugin adds the same pages at build time;
both stand on `build.generate`.

Each page is Markdown holding one raw HTML block: Markdown processors pass a block-level
HTML element through untouched, so record text still never meets a Markdown extension. Its
links are the `.html` ones of `use_directory_urls: false`, which the site needs anyway to
open from a file share."""

from __future__ import annotations

import shutil
from pathlib import Path

from opsledger.atomic import write_atomic
from opsledger.problems import FatalError, Problem
from opsledger.site.build import generate, linker


def write_pages(root: Path, docs: Path, out: Path, language: str | None
                ) -> tuple[list[str], list[Problem]]:
    """Copy the hand-written pages of `docs` into `out` and add the generated ones; the
    paths written, and the ledger's problems (`opsledger validate`'s)."""
    if out.resolve() == docs.resolve() or docs.resolve() in out.resolve().parents:
        raise FatalError(f"{out} is inside {docs}: write the pages to a directory of their own")
    site = generate(root, language)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(docs, out, symlinks=False)
    written = []
    for src, page in site.pages.items():
        if (docs / src).exists():
            raise FatalError(f"{docs / src} would be replaced by the page the ledger "
                             "generates there; rename it")
        html = page.html(linker(src.removesuffix(".md") + ".html", False))
        text = (f"---\nhide: [toc]\n---\n# {page.title}\n\n<div class=\"ol-generated\">\n"
                f"{html}\n</div>\n")
        _write(out / src, text.encode("utf-8"))
        written.append(src)
    for path, content in site.files.items():
        _write(out / path, content)
        written.append(path)
    return sorted(written), site.problems()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
