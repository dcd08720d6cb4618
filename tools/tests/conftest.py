"""Test fixtures: throwaway ledgers in real git repositories, committed by different people;
the built sites the site and browser tests share; and the one switch that rewrites expected
output files (UPDATE_GOLDEN=1), after which the diff is reviewed like any other change."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsledger.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = ("opsledger.yaml", "schemas", "releases", "incidents")
PEOPLE = {"alice": "alice@example.com", "bob": "bob@example.com", "carol": "carol@example.com",
          "mallory": "mallory@example.net"}
NOW = "2026-11-27T12:00:00+00:00"  # the sample ledger's "today"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def expect_golden(expected: Path, actual: str) -> None:
    """`actual` must equal the file's text; UPDATE_GOLDEN=1 first rewrites the file with it."""
    if UPDATE_GOLDEN:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(actual)
    assert actual == expected.read_text(), f"{expected.name} changed; UPDATE_GOLDEN=1 to accept"


def run_check(capsys: pytest.CaptureFixture[str], base: str, *extra: str) -> tuple[int, str]:
    """`opsledger check --base BASE` at NOW; the exit code and everything it printed."""
    code = main(["check", "--base", base, "--now", NOW, *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var, raising=False)


class GitLedger:
    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, who: str = "alice", date: str | None = None) -> str:
        env = dict(os.environ, GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=PEOPLE.get(who, who),
                   GIT_COMMITTER_NAME=who, GIT_COMMITTER_EMAIL=PEOPLE.get(who, who),
                   GIT_CONFIG_NOSYSTEM="1")
        env.setdefault("GIT_CONFIG_GLOBAL", os.devnull)  # module fixtures run outside isolated_git
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True,
                              text=True, check=True)
        return done.stdout.strip()

    def commit(self, message: str, who: str = "alice", date: str | None = None) -> str:
        self.git("add", "-A", who=who)
        self.git("commit", "-q", "--allow-empty", "-m", message, who=who, date=date)
        return self.git("rev-parse", "HEAD")

    def path(self, relative: str) -> Path:
        return self.root / relative

    def write(self, relative: str, text: str | bytes) -> Path:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text)
        return target

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text()

    def edit(self, relative: str, old: str, new: str) -> None:
        text = self.read(relative)
        assert old in text, f"{old!r} not in {relative}"
        self.write(relative, text.replace(old, new, 1))


def copy_sample(target: Path) -> None:
    for name in SAMPLE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitLedger]:
    root = tmp_path / "ledger"
    root.mkdir()
    copy_sample(root)
    repo = GitLedger(root)
    repo.git("init", "-q")
    repo.git("config", "user.email", "alice@example.com")
    repo.git("config", "user.name", "alice")
    repo.commit("Sample ledger", who="alice", date="2026-11-01T10:00:00+00:00")
    monkeypatch.chdir(root)
    yield repo


KEY_PEOPLE = ("alice", "bob", "carol", "erin", "dave", "frank", "grace", "heidi", "judy", "ivan",
              "mallory")


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("keys")
    made = {}
    for person in KEY_PEOPLE:
        target = directory / person
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        f"{person}@example.com", "-f", str(target)], check=True)
        made[person] = target
    return made


@pytest.fixture
def keyed(ledger: GitLedger, keys: dict[str, Path]) -> GitLedger:
    """The sample ledger with this session's keys in the policy and no sign-offs yet."""
    import re

    policy = ledger.read("opsledger.yaml")
    for person, key in keys.items():
        public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
        policy = re.sub(rf'(\n  {person}: +\{{.*keys: \[")[^"]*', rf"\g<1>{public}", policy)
    ledger.write("opsledger.yaml", policy)
    for directory in ledger.root.glob("*/*/signoffs"):
        shutil.rmtree(directory)
    ledger.commit("Session keys", who="heidi", date="2026-11-02T10:00:00+00:00")
    return ledger


# The site fixtures import sitebuild inside the function: sitebuild itself imports this module.
@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample ledger's site, built once with `mkdocs build --strict`; its public/."""
    from sitebuild import build_sample

    return build_sample(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of a ledger whose every text field carries hostile payloads; its public/."""
    from sitebuild import build_hostile

    return build_hostile(tmp_path_factory.mktemp("hostile"))
