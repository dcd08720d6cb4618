"""Every git call opsledger makes, through git's own plumbing: one process per query, and
objects (trees and blobs) read through one long-lived `git cat-file --batch` pair, so reading
a commit's files costs a round trip each instead of a process each (a 12-record pull request
reads ~50 trees and blobs)."""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from opsledger.problems import FatalError

SHALLOW_FIX = ("the base commit is not in this clone. In CI fetch the whole history "
               "(actions/checkout with `fetch-depth: 0`) or run `git fetch --unshallow`")


@dataclass(frozen=True)
class Commit:
    sha: str
    parent: str | None
    author: str
    email: str
    time: str  # committer time, strict ISO 8601
    subject: str


# An earlier commit (None: the empty tree) and a commit's (status, path) changes from it.
Step = tuple[str | None, list[tuple[str, str]]]


class ObjectTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


class GitCommandError(Exception):
    def __init__(self, args: list[str], stderr: str) -> None:
        super().__init__(f"git {' '.join(args)}: {stderr}")
        self.stderr = stderr


class GitRepo:
    def __init__(self, path: Path) -> None:
        try:
            top = _git(path, "rev-parse", "--show-toplevel") if path.is_dir() else ""
        except GitCommandError:
            top = ""
        if not top.strip():
            raise FatalError(f"{path} is not inside a git repository; run opsledger in a "
                             "clone of the ledger")
        self.root = Path(top.strip())
        self._batch: _Batch | None = None
        # Values computed from git objects, keyed by the objects' ids: an object never
        # changes, so what was read or parsed for one commit serves every later one (audit
        # walks thousands of commits that share nearly all their trees and blobs).
        self.derived = Memo()
        # Each first-parent commit's diff from its parent, read in one `git log` pass by
        # read_first_parent_diffs (audit), so no commit costs a `git diff-tree` process.
        self._steps: dict[str, Step] = {}

    def _git(self, *args: str) -> str:
        return _git(self.root, *args)

    def _run(self, *args: str) -> str:
        try:
            return self._git(*args)
        except GitCommandError as exc:
            raise FatalError(f"git {args[0]} failed: {exc.stderr.strip()}") from None

    def resolve(self, rev: str) -> str:
        if rev.startswith("-") or "\n" in rev:
            raise FatalError(f"{rev!r} is not a revision")
        try:
            out = self._git("rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{rev}^{{commit}}")
        except GitCommandError:
            hint = f"; {SHALLOW_FIX}" if self.is_shallow() else ""
            raise FatalError(f"revision {rev!r} not found{hint}") from None
        return str(out).strip()

    def has_commit(self, sha: str) -> bool:
        if not sha or sha.startswith("-") or not all(c in "0123456789abcdef" for c in sha):
            return False
        try:
            self._git("cat-file", "-e", f"{sha}^{{commit}}")
        except GitCommandError:
            return False
        return True

    def head_commit(self) -> str | None:
        """The commit HEAD points at, or None before the first commit."""
        try:
            return self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
        except GitCommandError:
            return None

    def is_shallow(self) -> bool:
        return self._run("rev-parse", "--is-shallow-repository").strip() == "true"

    def merge_base(self, base: str, head: str) -> str:
        try:
            return self._git("merge-base", base, head).strip()
        except GitCommandError:
            if self.is_shallow():
                raise FatalError(f"no common ancestor of {base[:12]} and {head[:12]}: "
                                 f"{SHALLOW_FIX}") from None
            raise FatalError(f"{base[:12]} and {head[:12]} share no history") from None

    def merge_commit(self, base: str, head: str) -> str | None:
        """The commit that merging head into base would make (written as an unreferenced
        object, as GitHub's test merge is), or None when the two conflict."""
        try:
            tree = self._git("merge-tree", "--write-tree", "--no-messages", base,
                             head).split("\n")[0].strip()
        except GitCommandError:
            return None  # conflicts (exit 1), or a git older than 2.38
        return self._run("-c", "user.name=opsledger", "-c", "user.email=opsledger@localhost",
                         "commit-tree", tree, "-p", base, "-p", head, "-m",
                         f"merge {head[:12]} into {base[:12]}").strip()

    def changed_paths(self, old: str | None, new: str) -> list[tuple[str, str]]:
        """(status letter, path) for every file that differs; renames are never guessed."""
        step = self._steps.get(new)
        if step is not None and step[0] == old:
            return list(step[1])
        args = ["diff-tree", "-r", "-z", "--no-renames", "--name-status"]
        args += [old, new] if old else ["--root", new]
        fields = self._run(*args, "--").split("\0")
        if not old and fields and fields[0] == new:
            fields = fields[1:]
        pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]
        changes = [(status, path) for status, path in pairs if status]
        # Kept, so the new commit's listings can be derived from the old one's (check).
        self._steps.setdefault(new, (old, changes))
        return list(changes)

    def read_first_parent_diffs(self, start: str | None, end: str) -> None:
        """Read the diff of every first-parent commit in start..end from its first parent
        (the root commit's from the empty tree) in one `git log` pass; changed_paths and
        diff_step answers from it."""
        span = f"{start}..{end}" if start else end
        out = self._run("log", "--first-parent", "--diff-merges=first-parent", "--root",
                        "--raw", "-z", "--no-renames", "--no-abbrev", "--format=%x01%H%x00%P",
                        span, "--")
        for chunk in out.split("\x01")[1:]:
            sha, parents, rest = (*chunk.split("\0", 2), "", "")[:3]
            fields = rest.lstrip("\n").split("\0")
            # ":<old mode> <new mode> <old sha> <new sha> <status>", then the path.
            changes = [(fields[i].rsplit(" ", 1)[-1], fields[i + 1])
                       for i in range(0, len(fields) - 1, 2) if fields[i].startswith(":")]
            parent = parents.split(" ")[0] if parents else None
            self._steps[sha] = (parent, changes)

    def diff_step(self, commit: str | None) -> Step | None:
        """(an earlier commit, the changes from it) of a commit whose diff from that commit
        was read (ahead by read_first_parent_diffs, or by changed_paths), else None."""
        return self._steps.get(commit) if commit is not None else None

    def object_type(self, spec: str) -> str | None:
        """The type of the object `spec` names (tree, blob, commit), or None if none."""
        found = self.object_info(spec)
        return found[1] if found is not None else None

    def object_info(self, spec: str) -> tuple[str, str, int] | None:
        """(sha, type, size) of the object `spec` names, or None if none."""
        return self._objects().info(spec)

    def ls_tree(self, commit: str | None, directory: str) -> list[tuple[str, str, str]]:
        """(mode, object sha, name) of each entry of a directory of a commit, as `git ls-tree`
        lists them; [] when there is no such directory."""
        sha = self.tree_id(commit, directory)
        return list(self.tree_rows(sha)) if sha is not None else []

    def tree_id(self, commit: str | None, directory: str) -> str | None:
        """The id of a directory's tree in a commit; None if it is not a directory there."""
        if commit is None:
            return None
        spec = f"{commit}:{directory}" if directory else f"{commit}^{{tree}}"
        found = self._objects().info(spec)
        return found[0] if found is not None and found[1] == "tree" else None

    def tree_rows(self, sha: str) -> tuple[tuple[str, str, str], ...]:
        """The entries of a tree object, parsed once per run."""
        def parse() -> tuple[tuple[str, str, str], ...]:
            raw = self._objects().read(sha, "tree")
            return tuple(_tree_entries(raw)) if raw is not None else ()
        return self.derived.get(("tree", sha), parse)  # type: ignore[no-any-return]

    def root_tree(self, commit: str) -> str | None:
        """The id of a commit's tree (None if the commit is not here), asked once per run."""
        return self.derived.get(  # type: ignore[no-any-return]
            ("root", commit), lambda: self.tree_id(commit, ""))

    def listed(self, sha: str) -> bool:
        """Whether the tree object's entries were read already (and are still kept)."""
        return ("tree", sha) in self.derived

    def tree_index(self, sha: str) -> dict[str, tuple[str, str]]:
        """name -> (mode, object sha) of a tree object's entries: finding one entry of a
        10,000-entry listing (a record's directory, a file's size) costs no git request."""
        return self.derived.get(  # type: ignore[no-any-return]
            ("index", sha), lambda: {name: (mode, obj) for mode, obj, name in self.tree_rows(sha)})

    def uncommitted(self, *directories: str, ignored: bool = False) -> list[str]:
        """Paths under directories that are untracked or differ from HEAD (with `ignored`,
        files .gitignore hides too)."""
        out = self._run("status", "--porcelain", "-z", "--no-renames", "--untracked-files=all",
                        *(["--ignored=matching"] if ignored else []), "--", *directories)
        return [entry[3:] for entry in out.split("\0") if len(entry) > 3]

    def as_head(self, *directories: str) -> bool:
        """Whether the working tree holds exactly what HEAD holds under directories: no
        change, no untracked or ignored file, and no index entry git is told not to look at
        (assume-unchanged, skip-worktree), so that git's word covers every file."""
        try:
            flags = self._run("ls-files", "-v", "-z", "--", *directories)
            return not self.uncommitted(*directories, ignored=True) and \
                all(entry.startswith("H ") for entry in flags.split("\0") if entry)
        except FatalError:
            return False  # no commit yet, or not a clone git can read

    def names_on_branches(self, directory: str) -> set[str]:
        """Every name in `directory` (relative to the repository's top) on any local branch,
        remote-tracking branch or HEAD: what another branch may already have taken."""
        refs = self._run("for-each-ref", "--format=%(objectname)", "refs/heads",
                         "refs/remotes").split()
        with contextlib.suppress(GitCommandError):  # no commit yet
            refs.append(self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip())
        return {name for commit in dict.fromkeys(refs)
                for _, _, name in self.ls_tree(commit, directory)}

    def tree_files(self, commit: str) -> list[tuple[str, str, str]] | None:
        """(mode, object sha, path) of every file of a commit, or None if it is not here."""
        try:
            out = self._git("ls-tree", "-r", "-z", "--full-tree", f"{commit}^{{tree}}")
        except GitCommandError:
            return None
        return _tree_rows(out)

    def _objects(self) -> _Batch:
        if self._batch is None:
            self._batch = _Batch(self.root)
        return self._batch

    def read_blob(self, sha: str, limit: int | None = None) -> bytes:
        """The blob's content; ObjectTooLarge (its bytes passed over, not kept) when it is
        over `limit` bytes."""
        found = self._objects().read(sha, "blob", limit)
        if found is None:
            raise FatalError(f"git object {sha[:12]} is missing from this clone")
        return found

    def first_parent_history(self, start: str | None, end: str) -> list[Commit]:
        span = f"{start}..{end}" if start else end
        fmt = "%H%x00%P%x00%an%x00%ae%x00%cI%x00%s%x00"
        out = self._run("log", "--first-parent", "--reverse", f"--format={fmt}", span, "--")
        fields = out.split("\0")
        commits = []
        for i in range(0, len(fields) - 6, 6):
            sha, parents, author, email, time, subject = (f.strip("\n") for f in fields[i:i + 6])
            commits.append(Commit(sha, parents.split(" ")[0] if parents else None, author,
                                  email, time, subject))
        return commits

    def config(self, key: str) -> str | None:
        try:
            return self._git("config", "--get", key).strip() or None
        except GitCommandError:
            return None

    def last_change_outside(self, commit: str, *excluded: str) -> str:
        """The newest first-parent commit up to `commit` that changed anything outside the
        `excluded` directories ("" when none did)."""
        return self._run("log", "-1", "--first-parent", "--format=%H", commit, "--", ".",
                         *(f":(exclude){name}" for name in excluded)).strip()

    def commit_time(self, commit: str) -> datetime:
        return datetime.fromisoformat(self._run("show", "-s", "--format=%cI", commit).strip())

    def added_times(self, commit: str, *prefixes: str) -> dict[str, str]:
        """When each file under `prefixes` arrived on `commit`'s first-parent line (the
        committer time, strict ISO 8601, of the commit that added it: for a merged pull
        request, its merge), in one log pass."""
        out = self._run("log", "--first-parent", "--diff-filter=A", "--no-renames",
                        "--format=%x01%cI", "--name-only", "-z", commit, "--", *prefixes)
        times: dict[str, str] = {}
        for chunk in out.split("\x01")[1:]:
            head, _, names = chunk.partition("\n")
            for name in names.strip("\n\0").split("\0"):
                times.setdefault(name.strip("\n"), head.strip("\0"))
        return times

    def path_history(self, prefix: str) -> dict[str, list[Commit]]:
        """Commits touching each record directory under prefix, collected in one log pass."""
        out = self._run("log", "--format=%x01%H%x00%an%x00%ae%x00%cI%x00%s", "--name-only",
                        "-z", "--", prefix)
        history: dict[str, list[Commit]] = {}
        for chunk in out.split("\x01")[1:]:
            head, _, names = chunk.partition("\n")
            sha, author, email, time, subject = head.split("\0")[:5]
            commit = Commit(sha, None, author, email, time, subject)
            seen: set[str] = set()
            for name in names.strip("\n\0").split("\0"):
                parts = name.strip("\n").split("/")
                if len(parts) >= 2 and parts[1] not in seen:
                    seen.add(parts[1])
                    history.setdefault(parts[1], []).append(commit)
        return history


def _tree_rows(out: str) -> list[tuple[str, str, str]]:
    """(mode, object sha, name) of each entry of `git ls-tree -z` output."""
    rows = []
    for line in out.split("\0"):
        if line:
            meta, name = line.split("\t", 1)
            mode, _, sha = meta.split(" ")
            rows.append((mode, sha, name))
    return rows


def ensure_repository(path: Path) -> bool:
    """Make `path` a git repository (branch main) unless it is inside one; True if it made one."""
    path.mkdir(parents=True, exist_ok=True)
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=path,
                            capture_output=True, check=False, stdin=subprocess.DEVNULL)
    if inside.returncode == 0:
        return False
    _git(path, "init", "-q", "-b", "main")
    return True


class Memo:
    """A bounded map of derived values, cleared whole when full: what a run needs again is
    what the last few commits touched. Its size is counted in entries of the tuples it holds
    (a tree listing of 10,000 records counts 10,000) and 200 for anything else, so memory
    stays bounded too (tens of MB)."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self._values: dict[object, Any] = {}
        self._weights: dict[object, int] = {}
        self._size = 0

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def take(self, key: object) -> Any:
        """The value kept under key, or None; it is no longer kept (its successor replaces
        it: a commit's name sets are derived from its parent's, which audit never needs
        again once the commit after it has been judged)."""
        if key not in self._values:
            return None
        self._size -= self._weights.pop(key)
        return self._values.pop(key)

    def get(self, key: object, compute: Callable[[], Any]) -> Any:
        if key in self._values:
            return self._values[key]
        value = compute()
        # Anything else (a parsed document, a trust root) holds a few hundred values.
        weight = len(value) if isinstance(value, (tuple, frozenset, dict)) else 200
        if self._size + weight > self.LIMIT:
            self._values.clear()
            self._weights.clear()
            self._size = 0
        self._values[key] = value
        self._weights[key] = weight
        self._size += weight
        return value


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise GitCommandError(list(args), done.stderr.decode("utf-8", "replace"))
    return done.stdout.decode("utf-8", "surrogateescape")


# Modes as `git ls-tree` prints them; tree objects write a directory's as "40000".
_MODES = {b"40000": "040000"}


def _tree_entries(raw: bytes) -> list[tuple[str, str, str]]:
    """(mode, object sha, name) of each entry of a raw tree object: "<mode> <name>\\0" and
    20 bytes of object id, one after another (one regex pass: a ledger's top directories
    list 10,000 entries)."""
    return [(_MODES.get(mode) or mode.decode(), sha.hex(),
             name.decode("utf-8", "surrogateescape")) for mode, name, sha in _ENTRY.findall(raw)]


_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0(.{20})", re.S)


class _Batch:
    """`git cat-file --batch-check` (what an object is) and `git cat-file --batch`
    (contents), each started once and fed one name a line."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._check: subprocess.Popen[bytes] | None = None
        self._read: subprocess.Popen[bytes] | None = None

    def __del__(self) -> None:
        for process in (self._check, self._read):
            if process is not None:
                stdin, stdout = _pipes(process)
                stdin.close()  # git exits at the end of its input
                process.wait()
                stdout.close()

    def _start(self, option: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["git", "cat-file", option], cwd=self._root,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)

    @staticmethod
    def _header(process: subprocess.Popen[bytes], name: str) -> list[bytes]:
        stdin, stdout = _pipes(process)
        if "\n" in name:
            return [b"missing"]
        stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
        stdin.flush()
        return stdout.readline().split()

    def info(self, name: str) -> tuple[str, str, int] | None:
        """(sha, type, size) of an object, or None if it does not exist."""
        if self._check is None:
            self._check = self._start("--batch-check")
        header = self._header(self._check, name)
        if len(header) != 3:  # "<sha> <type> <size>", or "<name> missing"
            return None
        return header[0].decode(), header[1].decode(), int(header[2])

    def read(self, name: str, kind: str, limit: int | None = None) -> bytes | None:
        """The object's content if it exists and is a `kind`; None otherwise. Content over
        `limit` bytes is passed over unkept (ObjectTooLarge), so one request both sizes
        and reads an object."""
        if self._read is None:
            self._read = self._start("--batch")
        header = self._header(self._read, name)
        if len(header) != 3:
            return None
        _, stdout = _pipes(self._read)
        size = int(header[2])
        if limit is not None and size > limit:
            left = size + 1  # the content, then a newline
            while left:
                chunk = stdout.read(min(left, 1 << 16))
                if not chunk:
                    raise FatalError("git cat-file stopped while reading an object")
                left -= len(chunk)
            raise ObjectTooLarge(size)
        content = stdout.read(size + 1)[:-1]  # the content, then a newline
        return content if header[1].decode() == kind else None


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    assert process.stdin is not None and process.stdout is not None
    return process.stdin, process.stdout
