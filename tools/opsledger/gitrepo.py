"""Every git call opsledger makes. GitPython is imported here only, and lazily, because
its import alone costs ~0.15 s that `validate` does not need."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

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


class GitRepo:
    def __init__(self, path: Path) -> None:
        import git  # noqa: PLC0415 -- lazy: see module docstring

        self._git_module = git
        try:
            self._repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise FatalError(f"{path} is not inside a git repository; run opsledger in a "
                             "clone of the ledger") from None
        self.root = Path(self._repo.working_tree_dir or path)
        self._cmd: Any = self._repo.git

    def _run(self, *args: str) -> str:
        try:
            return str(self._cmd.execute(["git", *args], strip_newline_in_stdout=False))
        except self._git_module.GitCommandError as exc:
            raise FatalError(f"git {args[0]} failed: {str(exc.stderr).strip()}") from None

    def resolve(self, rev: str) -> str:
        if rev.startswith("-") or "\n" in rev:
            raise FatalError(f"{rev!r} is not a revision")
        try:
            out = self._cmd.execute(["git", "rev-parse", "--verify", "--quiet",
                                     "--end-of-options", f"{rev}^{{commit}}"])
        except self._git_module.GitCommandError:
            hint = f"; {SHALLOW_FIX}" if self.is_shallow() else ""
            raise FatalError(f"revision {rev!r} not found{hint}") from None
        return str(out).strip()

    def has_commit(self, sha: str) -> bool:
        if not sha or sha.startswith("-") or not all(c in "0123456789abcdef" for c in sha):
            return False
        try:
            self._cmd.execute(["git", "cat-file", "-e", f"{sha}^{{commit}}"])
        except self._git_module.GitCommandError:
            return False
        return True

    def is_shallow(self) -> bool:
        return self._run("rev-parse", "--is-shallow-repository").strip() == "true"

    def merge_base(self, base: str, head: str) -> str:
        try:
            return str(self._cmd.execute(["git", "merge-base", base, head])).strip()
        except self._git_module.GitCommandError:
            if self.is_shallow():
                raise FatalError(f"no common ancestor of {base[:12]} and {head[:12]}: "
                                 f"{SHALLOW_FIX}") from None
            raise FatalError(f"{base[:12]} and {head[:12]} share no history") from None

    def merge_commit(self, base: str, head: str) -> str | None:
        """The commit that merging head into base would make (written as an unreferenced
        object, as GitHub's test merge is), or None when the two conflict."""
        try:
            tree = str(self._cmd.execute(["git", "merge-tree", "--write-tree", "--no-messages",
                                          base, head])).split("\n")[0].strip()
        except self._git_module.GitCommandError:
            return None  # conflicts (exit 1), or a git older than 2.38
        env = {"GIT_AUTHOR_NAME": "opsledger", "GIT_AUTHOR_EMAIL": "opsledger@localhost",
               "GIT_COMMITTER_NAME": "opsledger", "GIT_COMMITTER_EMAIL": "opsledger@localhost"}
        return str(self._cmd.execute(["git", "commit-tree", tree, "-p", base, "-p", head, "-m",
                                      f"merge {head[:12]} into {base[:12]}"], env=env)).strip()

    def changed_paths(self, old: str | None, new: str) -> list[tuple[str, str]]:
        """(status letter, path) for every file that differs; renames are never guessed."""
        args = ["diff-tree", "-r", "-z", "--no-renames", "--name-status"]
        args += [old, new] if old else ["--root", new]
        fields = self._run(*args, "--").split("\0")
        if not old and fields and fields[0] == new:
            fields = fields[1:]
        pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]
        return [(status, path) for status, path in pairs if status]

    def ls_tree(self, commit: str | None, directory: str) -> list[tuple[str, str, str]]:
        if commit is None:
            return []
        spec = f"{commit}:{directory}" if directory else f"{commit}^{{tree}}"
        try:
            out = self._cmd.execute(["git", "ls-tree", "-z", spec], strip_newline_in_stdout=False)
        except self._git_module.GitCommandError:
            return []
        return _tree_rows(str(out))

    def uncommitted(self, *directories: str) -> list[str]:
        """Paths under directories that are untracked or differ from HEAD."""
        out = self._run("status", "--porcelain", "-z", "--no-renames", "--untracked-files=all",
                        "--", *directories)
        return [entry[3:] for entry in out.split("\0") if len(entry) > 3]

    def names_on_branches(self, directory: str) -> set[str]:
        """Every name in `directory` (relative to the repository's top) on any local branch,
        remote-tracking branch or HEAD: what another branch may already have taken."""
        refs = self._run("for-each-ref", "--format=%(objectname)", "refs/heads",
                         "refs/remotes").split()
        with contextlib.suppress(self._git_module.GitCommandError):  # no commit yet
            refs.append(str(self._cmd.execute(["git", "rev-parse", "--verify", "--quiet",
                                                "HEAD^{commit}"])).strip())
        return {name for commit in dict.fromkeys(refs)
                for _, _, name in self.ls_tree(commit, directory)}

    def tree_files(self, commit: str) -> list[tuple[str, str, str]] | None:
        """(mode, object sha, path) of every file of a commit, or None if it is not here."""
        try:
            out = self._cmd.execute(["git", "ls-tree", "-r", "-z", "--full-tree",
                                     f"{commit}^{{tree}}"], strip_newline_in_stdout=False)
        except self._git_module.GitCommandError:
            return None
        return _tree_rows(str(out))

    def blob_size(self, sha: str) -> int:
        _, _, size = self._repo.odb.info(bytes.fromhex(sha))
        return int(size)

    def read_blob(self, sha: str) -> bytes:
        # odb keeps one `git cat-file --batch` process for all reads.
        return bytes(self._repo.odb.stream(bytes.fromhex(sha)).read())

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
            return str(self._cmd.execute(["git", "config", "--get", key])).strip() or None
        except self._git_module.GitCommandError:
            return None

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
    import git  # noqa: PLC0415 -- lazy: see module docstring

    try:
        git.Repo(path, search_parent_directories=True)
        return False
    except git.InvalidGitRepositoryError:
        git.Repo.init(path, initial_branch="main")
        return True
