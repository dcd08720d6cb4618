"""The MkDocs plugin `opsledger`: adds the ledger's pages at build time. The only module
using MkDocs.

Generated pages get a placeholder Markdown source (a validated id or a label as the only
text), so nothing from a record reaches MkDocs' Markdown extensions, its front matter or
the page title Material prints raw into <title> and the navigation. Their HTML is put in
place in `on_page_content`, after Markdown, from our own escaped and sanitised templates.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from opsledger.escape import safe
from opsledger.problems import FatalError
from opsledger.reporters import text
from opsledger.site.build import ASSET_DIR, THEME_DIR, SiteBuild, feeds, generate, linker

log = logging.getLogger("mkdocs.plugins.opsledger")


class LedgerConfig(Config):  # type: ignore[no-untyped-call]
    ledger = config_options.Type(str, default=".")  # relative to mkdocs.yml
    history = config_options.Type(bool, default=True)


class LedgerPlugin(BasePlugin[LedgerConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        super().__init__()
        self.site: SiteBuild | None = None
        self.root = Path(".")

    @event_priority(-100)  # after Material's offline plugin has added its CDN shim
    def on_config(self, config: Any) -> Any:
        top = Path(os.path.abspath(config.config_file_path)).parent
        _refuse_linked_docs_dir(Path(config.docs_dir), top)
        self.root = (top / self.config.ledger).resolve()
        for name in ("opsledger.css", "opsledger.js"):
            target = f"{ASSET_DIR}/{name}"
            chosen = config.extra_css if name.endswith(".css") else config.extra_javascript
            if target not in [str(x) for x in chosen]:
                chosen.append(target)
        # The subscriptions' <link>s in every page's <head> (theme/main.html): after a
        # site's own custom_dir, whose main.html stays the site's, before the theme's.
        theme = config.theme
        if THEME_DIR not in theme.dirs:
            theme.dirs.insert(1 if theme.custom_dir else 0, THEME_DIR)
        # Material's offline plugin fetches its file:// search shim from a CDN; we ship it.
        polyfills = [url for url in config.extra.get("polyfills", [])
                     if "iframe-worker" not in str(url)]
        config.extra["polyfills"] = [*polyfills, f"{ASSET_DIR}/iframe-worker.js"]
        return config

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        env.globals["opsledger_feeds"] = feeds(config.theme.get("language"))
        return env

    def on_files(self, files: Files, *, config: Any) -> Files:
        _refuse_symlinks(Path(config.docs_dir))
        try:
            self.site = generate(self.root, config.theme.get("language"),
                                 with_history=self.config.history,
                                 site_url=config.site_url or None,
                                 directory_urls=config.use_directory_urls)
        except FatalError as exc:  # e.g. no opsledger.yaml where the plugin looks
            raise PluginError(f"opsledger: {safe(str(exc))} (plugin option `ledger`: "
                              f"{self.config.ledger!r}, relative to mkdocs.yml)") from None
        # The footer's build stamp: set once the policy (its display zone) is read.
        stamp = self.site.stamp
        config.copyright = f"{config.copyright} · {stamp}" if config.copyright else stamp
        taken = [path for path in [*self.site.pages, *self.site.files]
                 if files.get_file_from_path(path) is not None]
        if taken:
            raise PluginError(f"opsledger: {', '.join(f'site/{p}' for p in taken)} would be "
                              "replaced by the page the ledger generates there; rename it")
        for src, page in self.site.pages.items():
            # The page's own sections replace the table of contents, which would be empty.
            files.append(File.generated(config, src, content=f"---\nhide: [toc]\n---\n"
                                        f"# {page.title}\n",
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        for path, content in self.site.files.items():
            files.append(File.generated(config, path, content=content))
        return files

    @event_priority(100)  # before the search plugin reads the page
    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str | None:
        if self.site is None:
            return html
        link = linker(page.url, config.use_directory_urls)
        generated = self.site.pages.get(page.file.src_uri)
        if generated is not None:
            if generated.titled:
                return generated.html(link)
            # The id MkDocs gave the placeholder's heading: "Skip to content" points there.
            anchor = page.toc.items[0].id if page.toc.items else generated.title
            return f'<h1 id="{anchor}">{generated.title}</h1>\n' + generated.html(link)
        if page.is_homepage and self.site.home is not None:
            return html + self.site.home(link)
        return html

    def on_post_build(self, *, config: Any) -> None:
        """Validation ran beside the build; a warning per problem, so that
        `mkdocs build --strict` fails on a ledger `opsledger validate` rejects."""
        if self.site is not None:
            problems = self.site.problems()
            if problems:
                for line in text(problems, "ledger").splitlines()[:-1]:
                    log.warning("%s", line)

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        if self.site is not None:
            for path in self.site.watch:
                if path.exists():
                    server.watch(str(path))
        return server


def _refuse_symlinks(docs: Path) -> None:
    """MkDocs follows symlinks and would publish whatever they point at."""
    for directory, subdirs, names in os.walk(docs):
        for name in [*subdirs, *names]:
            path = Path(directory) / name
            if path.is_symlink():
                raise PluginError(f"opsledger: {path} is a symbolic link; the site publishes "
                                  "only real files under docs_dir: replace it with the file")


def _refuse_linked_docs_dir(docs: Path, top: Path) -> None:
    """MkDocs reads a linked docs_dir as the directory it points at (`site -> .git` would
    publish the repository's own files): docs_dir and each directory between it and
    mkdocs.yml must be real. Checked before MkDocs lists or copies anything."""
    try:
        parts = docs.relative_to(top).parts
    except ValueError:  # outside the repository: only docs_dir itself is ours to check
        top, parts = docs.parent, (docs.name,)
    path = top
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise PluginError(f"opsledger: {safe(str(path))} is a symbolic link; docs_dir "
                              "and the directories above it must be real directories")
