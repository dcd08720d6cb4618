"""What a team installs: the wheel, built and installed in a clean venv, works outside this
repository; the pre-commit hook this repository provides runs, through the real
`pre-commit try-repo`, in a ledger `init` made. Both fetch dependencies with pip (from its
cache, or the package index)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, GitLedger

from opsledger import __version__
from opsledger.cli import main


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          check=False, env=env, timeout=600)


def test_the_wheel_installs_in_a_clean_venv_and_works_outside_the_repository(
        tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = run(sys.executable, "-m", "build", "--wheel", "--outdir", out, REPO, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    # setuptools warns about deprecated metadata (a license table) on every install.
    assert "deprecated" not in built.stdout + built.stderr
    [wheel] = out.glob("opsledger-*.whl")
    assert wheel.name.startswith(f"opsledger-{__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"opsledger-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    installed = run(venv / "bin/pip", "install", "--quiet", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    away = tmp_path / "elsewhere"
    away.mkdir()
    version = run(venv / "bin/opsledger", "--version", cwd=away)
    assert version.stdout.strip() == f"opsledger {__version__}"
    as_module = run(venv / "bin/python", "-m", "opsledger", "--help", cwd=away)
    assert as_module.returncode == 0 and "usage: opsledger" in as_module.stdout
    made = run(venv / "bin/opsledger", "init", "ops", cwd=away)
    assert made.returncode == 0, made.stderr
    assert (away / "ops/.github/workflows/pr-check.yml").is_file()
    assert (away / "ops/.vscode/settings.json").is_file()
    checked = run(venv / "bin/opsledger", "validate", cwd=away / "ops")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_pre_commit_hook_validates_the_ledger(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "ops"
    assert main(["init", str(fresh)]) == 0
    monkeypatch.chdir(fresh)
    capsys.readouterr()
    assert main(["new", "release", "--title", "Search 1.9", "--as", "me"]) == 0
    path = capsys.readouterr().out.strip().splitlines()[0]
    repo = GitLedger(fresh)
    repo.git("add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    hook = (sys.executable, "-m", "pre_commit", "try-repo", REPO, "opsledger-validate",
            "--all-files")
    tried = run(*hook, cwd=fresh, env=env)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    repo.edit(path, "risk: low", "risk: lowish")  # not one of the risk levels
    repo.git("add", "-A")
    tried = run(*hook, cwd=fresh, env=env)
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert f"{path}:" in tried.stdout and "risk" in tried.stdout, tried.stdout
    # The manifest and this repository's own config describe the same hook.
    import yaml

    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    [local] = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
    [own] = local["hooks"]
    for key in ("id", "entry", "files", "pass_filenames"):
        assert own[key] == hook[key], key
