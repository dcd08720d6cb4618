"""Results kept for inputs that have not changed, under `.git/opsledger-cache/` (out of the
working tree, never committed, gone with the clone).

A result is stored with a fingerprint of everything it depends on and handed back only for
an equal fingerprint: the tool (its version, the stat of every module and schema it ships,
and of the libraries that judge: PyYAML, jsonschema, fastjsonschema, cryptography), the
arguments, and every name, kind and file under the directories read. Files are fingerprinted
by size, modification and change time (ns), inode and mode, as git's index does; the policy
and the schemas by their content. A file changed within the same clock tick as its stat
could keep its fingerprint ("racily clean", in git's words), so a result is not stored while
any input is younger than RACY_SECONDS."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import opsledger
from opsledger.atomic import write_atomic

DIRECTORY = "opsledger-cache"
RACY_SECONDS = 2.0
_LIBRARIES = ("yaml", "_yaml", "jsonschema", "fastjsonschema", "cryptography")


class ResultCache:
    def __init__(self, root: Path) -> None:
        git = root / ".git"
        # A ledger that is not the top of a git clone has no place for a cache: none is kept.
        self.directory = git / DIRECTORY if git.is_dir() and not git.is_symlink() else None

    def get(self, name: str, key: str) -> Any:
        """The value stored under `name` for exactly this key, or None."""
        if self.directory is None:
            return None
        try:
            stored = json.loads((self.directory / f"{name}.json").read_bytes())
        except (OSError, ValueError):
            return None  # none yet, or unreadable: compute again
        return stored.get("value") if isinstance(stored, dict) and \
            stored.get("key") == key else None

    def put(self, name: str, key: str, value: Any) -> None:
        if self.directory is None:
            return
        try:
            self.directory.mkdir(exist_ok=True)
            write_atomic(self.directory / f"{name}.json",
                         json.dumps({"key": key, "value": value}).encode())
        except OSError:
            pass  # a read-only clone still validates; it only does not remember


class Fingerprint:
    """Everything a result depends on, hashed; `newest` is the latest modification seen."""

    def __init__(self, *parts: str) -> None:
        self._hash = hashlib.sha256()
        self.newest = 0
        self.add("tool", *parts, *_tool())

    def add(self, *parts: str) -> None:
        for part in parts:
            self._hash.update(part.encode("utf-8", "surrogateescape") + b"\0")

    def contents(self, root: Path, paths: Iterable[str]) -> None:
        for path in paths:
            try:
                self.add(path, hashlib.sha256((root / path).read_bytes()).hexdigest())
            except OSError as exc:
                self.add(path, type(exc).__name__)

    def tree(self, root: Path, top: str) -> None:
        """Every entry under root/top, recursively, without following links."""
        pending = [top]
        while pending:
            directory = pending.pop()
            try:
                listing = sorted(os.scandir(root / directory), key=lambda e: e.name)
            except OSError as exc:
                self.add(directory, type(exc).__name__)
                continue
            for entry in listing:
                path = f"{directory}/{entry.name}"
                info = entry.stat(follow_symlinks=False)
                self.newest = max(self.newest, info.st_mtime_ns, info.st_ctime_ns)
                if entry.is_dir(follow_symlinks=False):
                    self.add(path, "dir")
                    pending.append(path)
                else:
                    self.add(path, f"{info.st_mode:o}", str(info.st_size),
                             str(info.st_mtime_ns), str(info.st_ctime_ns), str(info.st_ino))

    def racy(self) -> bool:
        return self.newest >= (time.time() - RACY_SECONDS) * 1e9

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _tool() -> list[str]:
    """What judges: this version of opsledger, its files, and the libraries it judges with."""
    parts = [opsledger.__version__, sys.version]
    package = Path(opsledger.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json", ".yaml"):
            info = path.stat()
            parts.append(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}")
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        found = os.stat(origin) if origin and os.path.exists(origin) else None
        parts.append(f"{name}:{origin}:{found.st_size if found else 0}:"
                     f"{found.st_mtime_ns if found else 0}")
    return parts
