"""One state of the ledger's files: the working tree, or a commit read from git objects."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from opsledger.gitrepo import ObjectTooLarge
from opsledger.loader import MAX_BYTES

if TYPE_CHECKING:
    from opsledger.gitrepo import GitRepo


T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # file | dir | link | submodule | other


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"file is {size} bytes; the limit is {MAX_BYTES} (256 KiB)")


class Tree(Protocol):
    label: str

    def entries(self, directory: str) -> list[Entry]: ...

    def kind(self, path: str) -> str | None: ...

    def subdirs(self, directory: str, keep: Callable[[str], bool]) -> frozenset[str]: ...

    def names(self, directory: str) -> frozenset[str]: ...

    def read(self, path: str) -> bytes: ...

    def parsed(self, path: str, parse: Callable[[str, bytes], Any]) -> Any: ...

    def remembered(self, key: tuple[str, ...], compute: Callable[[], T]) -> T: ...


class WorkTree:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = "working tree"

    def entries(self, directory: str) -> list[Entry]:
        base = os.path.join(self.root, directory)
        if not os.path.isdir(base) or os.path.islink(base):
            return []
        # The kinds come with the listing (no stat a file, strings not Paths): a ledger of
        # 10,000 records lists 23,000 entries.
        with os.scandir(base) as listing:
            return sorted((Entry(item.name, _entry_kind(item)) for item in listing),
                          key=lambda e: e.name)

    def names(self, directory: str) -> frozenset[str]:
        return frozenset(e.name for e in self.entries(directory))

    def subdirs(self, directory: str, keep: Callable[[str], bool]) -> frozenset[str]:
        return frozenset(e.name for e in self.entries(directory)
                         if e.kind == "dir" and keep(e.name))

    def kind(self, path: str) -> str | None:
        target = self.root / path
        return _kind(target) if os.path.lexists(target) else None

    def read(self, path: str) -> bytes:
        target = os.path.join(self.root, path)
        size = os.lstat(target).st_size
        if size > MAX_BYTES:
            raise TooLarge(size)  # refused before a byte is read
        with open(target, "rb") as file:
            return file.read()

    def parsed(self, path: str, parse: Callable[[str, bytes], Any]) -> Any:
        return parse(path, self.read(path))

    def remembered(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        return compute()  # files may change between two readings


def _entry_kind(item: os.DirEntry[str]) -> str:
    """_kind of a listed entry, from what the listing says (the kind of a file needs no
    stat where the file system gives it)."""
    if item.is_symlink():
        return "link"
    if item.is_dir(follow_symlinks=False):
        return "submodule" if os.path.exists(os.path.join(item.path, ".git")) else "dir"
    return "file" if item.is_file(follow_symlinks=False) else "other"


def _kind(path: Path) -> str:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "submodule" if (path / ".git").exists() else "dir"
    return "file" if stat.S_ISREG(mode) else "other"


class CommitTree:
    """A commit's files, read from git objects so the working tree cannot influence a check."""

    _KINDS: ClassVar[dict[str, str]] = {
        "100644": "file", "100755": "file", "120000": "link", "160000": "submodule",
        "040000": "dir"}

    def __init__(self, repo: GitRepo, commit: str | None) -> None:
        self.repo = repo
        self.commit = commit  # None: the empty tree (before the first commit)
        self.label = commit[:12] if commit else "empty tree"
        self._listing: dict[str, str | None] = {}  # directory -> its tree's id
        self._entries: dict[str, tuple[str, str] | None] = {}  # path -> (mode, object id)
        self._remembered: dict[tuple[str, ...], Any] = {}

    def _list(self, directory: str) -> tuple[tuple[str, str, str], ...]:
        sha = self._tree(directory)
        return self.repo.tree_rows(sha) if sha is not None else ()

    def entries(self, directory: str) -> list[Entry]:
        self._list(directory)
        sha = self._listing[directory]
        if sha is None:
            return []
        # Shared by every commit holding this tree (a copy: callers may sort or extend it).
        return list(self.repo.derived.get(("entries", sha), lambda: tuple(
            Entry(name, self._KINDS.get(mode, "other")) for mode, _, name in
            self.repo.tree_rows(sha))))

    def subdirs(self, directory: str, keep: Callable[[str], bool]) -> frozenset[str]:
        """The names of the directory's subdirectories that `keep` accepts, kept per tree
        and `keep`; a commit whose diff from an earlier one was read derives them from that
        commit's by the names the diff touches, instead of listing 10,000 entries again."""
        sha = self._tree(directory)
        if sha is None:
            return frozenset()
        key = ("subdirs", keep.__module__, keep.__qualname__, sha)  # as _from_earlier takes it

        def listed() -> frozenset[str]:
            derived = self._from_earlier(directory, keep)
            if derived is not None:
                return derived
            return frozenset(name for mode, _, name in self.repo.tree_rows(sha)
                             if mode == "040000" and keep(name))
        return self.repo.derived.get(key, listed)  # type: ignore[no-any-return]

    def names(self, directory: str) -> frozenset[str]:
        """Every entry name of the directory, kept per tree (derived as subdirs are)."""
        sha = self._tree(directory)
        if sha is None:
            return frozenset()

        def listed() -> frozenset[str]:
            derived = self._from_earlier(directory, None)
            if derived is not None:
                return derived
            return frozenset(name for _, _, name in self.repo.tree_rows(sha))
        return self.repo.derived.get(("names", sha), listed)  # type: ignore[no-any-return]

    def _from_earlier(self, directory: str,
                     keep: Callable[[str], bool] | None) -> frozenset[str] | None:
        """The earlier commit's set (subdirs kept by `keep`, or with None every name) updated
        by the names the diff from it touches; None when that set is not at hand or a
        touched name's presence cannot be told without the listing."""
        step = self.repo.diff_step(self.commit)
        if step is None:
            return None
        earlier, changes = step
        before_sha = self.repo.tree_id(earlier, directory)
        key = ("names",) if keep is None else ("subdirs", keep.__module__, keep.__qualname__)
        before = self.repo.derived.take((*key, before_sha)) if before_sha else None
        if before is None:
            return None
        prefix = f"{directory}/"
        touched = {path[len(prefix):].split("/")[0] for _, path in changes
                   if path.startswith(prefix)}
        after = set(before)
        for name in touched:
            after.discard(name)
            if keep is not None and not keep(name):
                continue
            found = self.repo.object_type(f"{self.commit}:{prefix}{name}")
            if keep is None and found is None:
                return None  # removed, or a submodule whose commit is not here
            # Only a tree object is a directory ("040000"): a blob or submodule is not.
            if found == "tree" or (keep is None and found is not None):
                after.add(name)
        return frozenset(after)

    def _tree(self, directory: str) -> str | None:
        if directory not in self._listing:
            self._listing[directory] = self._find_tree(directory)
        return self._listing[directory]

    def _find_tree(self, directory: str) -> str | None:
        """A directory's tree, found in its parent's listing (only the commit's own tree
        costs a request)."""
        if self.commit is None:
            return None
        if not directory:
            return self.repo.root_tree(self.commit)
        found = self._entry(directory)
        return found[1] if found is not None and found[0] == "040000" else None

    def _entry(self, path: str) -> tuple[str, str] | None:
        """(mode, object sha) of a path's entry in its directory's listing."""
        if path not in self._entries:
            self._entries[path] = self._find_entry(path)
        return self._entries[path]

    def _find_entry(self, path: str) -> tuple[str, str] | None:
        parent, _, name = path.rpartition("/")
        sha = self._tree(parent)
        if sha is None:
            return None
        if parent and not self.repo.listed(sha):
            # Reading a 10,000-entry listing costs more than asking git for one entry, and
            # a tree is told by its type alone (a file's mode, link or not, only by listing).
            found = self.repo.object_info(f"{self.commit}:{path}")
            if found is None:
                return None
            if found[1] == "tree":
                return ("040000", found[0])
        return self.repo.tree_index(sha).get(name)

    def kind(self, path: str) -> str | None:
        found = self._entry(path)
        return self._KINDS.get(found[0], "other") if found is not None else None

    def blob(self, path: str) -> str | None:
        found = self._entry(path)
        return found[1] if found is not None else None

    def read(self, path: str) -> bytes:
        sha = self.blob(path)
        if sha is None:
            raise FileNotFoundError(path)
        try:
            return self.repo.read_blob(sha, MAX_BYTES)
        except ObjectTooLarge as exc:
            raise TooLarge(exc.size) from None

    def remembered(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """compute(), once for this reading of the commit: a check reads its head two or
        three times over (the trust root's, the records', their links'), and a commit that
        imports thousands of records would not fit the repository's bounded memo."""
        if key not in self._remembered:
            self._remembered[key] = compute()
        return self._remembered[key]  # type: ignore[no-any-return]

    def parsed(self, path: str, parse: Callable[[str, bytes], Any]) -> Any:
        """parse(path, content), computed once per path and blob for the repository: the
        commits a check or audit reads share nearly every file. A parse that raises is not
        kept (it raises again)."""
        sha = self.blob(path)
        if sha is None:
            raise FileNotFoundError(path)
        key = ("parsed", parse.__module__, parse.__qualname__, path, sha)
        return self.repo.derived.get(key, lambda: parse(path, self.read(path)))
