"""The shipped GitHub workflows are the merge gate: their security properties, asserted.

Static tests read the YAML; behaviour tests run the PR check's own shell steps, as GitHub's
`shell: bash` would, in a real git repository laid out like the runner's checkout of
refs/pull/N/merge (or of a merge-queue entry), with `gh` and `python` replaced by recorders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, GitLedger

WORKFLOWS = REPO / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def all_workflows() -> dict[str, dict[str, Any]]:
    names = sorted(p.name for p in WORKFLOWS.iterdir() if p.suffix in (".yml", ".yaml"))
    assert names, "no workflow files found"
    return {name: load(name) for name in names}


def triggers(doc: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def all_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


def step(doc: dict[str, Any], key: str) -> dict[str, Any]:
    found = [s for s in all_steps(doc) if key in (s.get("id"), s.get("name"))]
    assert len(found) == 1, f"expected one step with id or name {key!r}"
    return found[0]


def pip_installs(script: str) -> list[str]:
    """The targets of every `pip install` in a shell script (options dropped)."""
    targets = []
    for line in script.replace("\\\n", " ").splitlines():
        for match in re.finditer(r"pip3?\"?\s+install\s+(.*)", line):
            words = [w.strip("'\"") for w in match.group(1).split()]
            targets.extend(w for w in words if not w.startswith("-"))
    return targets


# --- static properties ---------------------------------------------------------------------

def test_no_workflow_uses_pull_request_target() -> None:
    for name, doc in all_workflows().items():
        assert "pull_request_target" not in triggers(doc), name
        assert "pull_request_target" not in (WORKFLOWS / name).read_text(), name


def test_pr_check_runs_on_pull_requests_reviews_and_the_merge_queue() -> None:
    on = triggers(load("pr-check.yml"))
    assert "pull_request" in on
    assert "merge_group" in on
    review = on["pull_request_review"]
    assert {"submitted", "edited", "dismissed"} <= set(review["types"])


def test_every_action_is_pinned_to_a_full_commit_with_its_version_noted() -> None:
    for name in all_workflows():
        lines = (WORKFLOWS / name).read_text().splitlines()
        uses = [line for line in lines if re.match(r"\s*(-\s+)?uses:", line)]
        assert uses, name
        for line in uses:
            ref, _, comment = line.split("uses:", 1)[1].partition("#")
            assert PINNED.match(ref.strip()), f"{name}: {line.strip()} is not pinned to a commit"
            assert re.match(r"\s*v\d", comment), f"{name}: {line.strip()} names no version"


def test_every_checkout_drops_its_credentials() -> None:
    checkouts = 0
    for name, doc in all_workflows().items():
        for s in all_steps(doc):
            if str(s.get("uses", "")).startswith("actions/checkout@"):
                checkouts += 1
                assert s.get("with", {}).get("persist-credentials") is False, name
                assert s["with"].get("fetch-depth") == 0, f"{name}: history checks need it"
    assert checkouts == 4


def test_only_the_app_token_step_references_a_secret() -> None:
    # The one secret is the GitHub App's key that pushes recorded reviews; it goes to the
    # token action alone, never to a step that runs a command.
    for name, doc in all_workflows().items():
        text = (WORKFLOWS / name).read_text()
        uses = re.findall(r"\bsecrets\s*[.\[]\s*(\w+)", text)
        if name != "record-reviews.yml":
            assert not uses, name
            continue
        assert uses == ["OPSLEDGER_APP_PRIVATE_KEY"]
        holders = [s for s in all_steps(doc) if "secrets." in json.dumps(s)]
        assert [s["uses"].split("@")[0] for s in holders] == ["actions/create-github-app-token"]
        assert holders[0]["with"]["permission-contents"] == "write"


def test_no_expression_is_pasted_into_a_shell_script() -> None:
    # Values reach scripts through env, so none can be read as shell code.
    for name, doc in all_workflows().items():
        for s in all_steps(doc):
            assert "${{" not in s.get("run", ""), f"{name}: {s.get('name', s['run'])}"


def test_permissions_are_empty_at_the_top_and_least_per_job() -> None:
    for name, doc in all_workflows().items():
        top = doc.get("permissions")
        read_only = isinstance(top, dict) and set(top.values()) == {"read"}
        assert top in ({}, "read-all") or read_only, name
        for job_name, job in doc["jobs"].items():
            granted = job.get("permissions")
            assert isinstance(granted, dict), f"{name}: {job_name} takes the default token"
            writes = {k for k, v in granted.items() if v == "write"}
            if writes:
                # Only a job that runs no repository code may write.
                assert (name, job_name) == ("site.yml", "deploy")
                assert writes == {"pages", "id-token"}
                assert all("run" not in s and "checkout" not in s.get("uses", "")
                           for s in job["steps"])
    job = load("pr-check.yml")["jobs"]["check"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}


def test_pr_check_never_installs_the_pull_requests_tree() -> None:
    doc = load("pr-check.yml")
    scripts = [s.get("run", "") for s in all_steps(doc)]
    targets = [t for script in scripts for t in pip_installs(script)]
    assert targets == ['$RUNNER_TEMP/base'], targets
    install = step(doc, "install opsledger from the base commit (never from the pull request)")
    assert 'git worktree add --detach "$RUNNER_TEMP/base" "$BASE"' in install["run"]
    assert install["env"]["BASE"] == "${{ steps.range.outputs.base }}"
    assert all("working-directory" not in s for s in all_steps(doc))


def test_only_the_summary_may_fail_quietly() -> None:
    doc = load("pr-check.yml")
    gate = step(doc, "check")
    command = " ".join(gate["run"].split())
    assert command == ('opsledger check --base "$BASE" --head "$HEAD_SHA" --pr "$PR" '
                       '--reviews "$RUNNER_TEMP/reviews.json" --format github')
    assert gate["env"] == {"BASE": "${{ steps.range.outputs.base }}",
                           "HEAD_SHA": "${{ steps.range.outputs.head }}",
                           "PR": "${{ steps.range.outputs.pr }}"}
    quiet = [s for s in all_steps(doc) if "|| true" in s.get("run", "")
             or s.get("continue-on-error")]
    assert [s["name"] for s in quiet] == ["job summary"]
    summary = quiet[0]["run"]
    assert "--format markdown" in summary and '>> "$GITHUB_STEP_SUMMARY"' in summary


def test_audit_verifies_each_merged_pull_requests_reviews() -> None:
    doc = load("audit.yml")
    runs = [s.get("run", "") for s in all_steps(doc)]
    assert "opsledger audit --reviews reviews/ --format github" in runs
    assert not any(t != "." for script in runs for t in pip_installs(script))


# --- the PR check's shell steps, run -------------------------------------------------------

def write_tool(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


FAKE_GH = """#!/usr/bin/env bash
# gh api --paginate URL --jq EXPR: each stored page of URL through jq, as gh does.
set -euo pipefail
echo "$*" >> "$FAKE_LOG"
url="" expr="."
shift  # api
while [ $# -gt 0 ]; do
  case "$1" in
    --paginate) shift ;;
    --jq) expr="$2"; shift 2 ;;
    *) url="$1"; shift ;;
  esac
done
key="$(tr '/?&=' '____' <<<"$url")"
ls "$FAKE_PAGES/$key".page*.json >/dev/null 2>&1 || { echo "HTTP 404: $url" >&2; exit 1; }
for page in "$FAKE_PAGES/$key".page*.json; do jq -c "$expr" "$page"; done
"""

# setup-python's python, reduced to what the install step asks of it: `-m venv DIR` gives a
# pip that records where it ran and what it was told to install.
FAKE_PYTHON = """#!/usr/bin/env bash
set -euo pipefail
[ "$1 $2" = "-m venv" ] || { echo "unexpected: python $*" >&2; exit 1; }
mkdir -p "$3/bin"
printf '#!/usr/bin/env bash\\necho "$PWD|$*" >> "$FAKE_LOG"\\n' > "$3/bin/pip"
chmod +x "$3/bin/pip"
"""


class Runner:
    """A GitHub runner reduced to what the steps use: env, outputs, RUNNER_TEMP and PATH."""

    def __init__(self, tmp_path: Path, workspace: Path, context: dict[str, str]) -> None:
        self.workspace = workspace
        self.context = dict(context)
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir()
        self.bin = tmp_path / "fake-bin"
        self.bin.mkdir()
        self.pages = tmp_path / "pages"
        self.pages.mkdir()
        self.log = tmp_path / "calls.log"
        self.log.touch()
        write_tool(self.bin, "gh", FAKE_GH)
        write_tool(self.bin, "python", FAKE_PYTHON)

    def pages_of(self, url: str, *pages: list[dict[str, Any]]) -> None:
        key = re.sub(r"[/?&=]", "_", url)
        for number, page in enumerate(pages, 1):
            (self.pages / f"{key}.page{number}.json").write_text(json.dumps(page))

    def evaluate(self, value: str) -> str:
        return EXPRESSION.sub(lambda m: self.context[m.group(1)], value)

    def run(self, doc: dict[str, Any], key: str) -> subprocess.CompletedProcess[str]:
        s = step(doc, key)
        assert doc["defaults"]["run"]["shell"] == "bash"
        script = self.temp / "step.sh"
        script.write_text(s["run"])
        outputs, path_file = self.temp / "output", self.temp / "path"
        outputs.write_text("")
        path_file.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        env.update({name: self.evaluate(str(v)) for name, v in s.get("env", {}).items()})
        env.update(RUNNER_TEMP=str(self.temp), GITHUB_OUTPUT=str(outputs),
                   GITHUB_PATH=str(path_file), FAKE_LOG=str(self.log),
                   FAKE_PAGES=str(self.pages), PATH=f"{self.bin}:{env['PATH']}")
        # What `shell: bash` runs: bash --noprofile --norc -eo pipefail {0}.
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True,
                              check=False)
        for line in outputs.read_text().splitlines():
            name, _, value = line.partition("=")
            self.context[f"steps.{s['id']}.outputs.{name}"] = value
        self.context["GITHUB_PATH"] = path_file.read_text()
        return done


@pytest.fixture
def pull(tmp_path: Path) -> dict[str, Any]:
    """A repository whose checkout is a PR's merge commit: base tip + a PR that edits tools/."""
    repo = GitLedger(tmp_path / "work")
    repo.root.mkdir()
    repo.git("init", "-q")
    repo.write("tools/which.txt", "base\n")
    repo.write("setup.py", "raise SystemExit('the base setup.py')\n")
    fork = repo.commit("base")
    repo.git("switch", "-q", "-c", "pr")
    repo.write("tools/which.txt", "pull request\n")
    repo.write("setup.py", "import os; os.system('echo pwned')\n")
    head = repo.commit("PR: changes the tool", who="mallory")
    repo.git("switch", "-q", "main")
    repo.write("records.txt", "landed after the PR forked\n")
    tip = repo.commit("main moves on", who="bob")
    repo.git("switch", "-q", "--detach", tip)
    repo.git("merge", "-q", "--no-ff", "-m", "Merge into tip", head)
    merge = repo.git("rev-parse", "HEAD")
    return {"repo": repo, "fork": fork, "head": head, "tip": tip, "merge": merge}


def pr_context(pull: dict[str, Any], pr_head: str | None = None) -> dict[str, str]:
    return {"github.event_name": "pull_request", "github.event.pull_request.number": "7",
            "github.event.pull_request.head.sha": pr_head or pull["head"],
            "github.event.merge_group.base_sha": "", "github.event.merge_group.head_sha": "",
            "github.event.merge_group.head_ref": "", "github.token": "token",
            "github.repository": "acme/ledger"}


def test_the_pr_check_judges_the_merge_commit_against_the_tip_it_was_built_on(
        tmp_path: Path, pull: dict[str, Any]) -> None:
    runner = Runner(tmp_path, pull["repo"].root, pr_context(pull))
    done = runner.run(load("pr-check.yml"), "range")
    assert done.returncode == 0, done.stderr
    # The tip, not the fork point: a revoke that reached main after the fork is judged.
    assert runner.context["steps.range.outputs.base"] == pull["tip"] != pull["fork"]
    assert runner.context["steps.range.outputs.head"] == pull["merge"]
    assert runner.context["steps.range.outputs.pr"] == "7"


def test_the_pr_check_refuses_a_merge_of_another_head(tmp_path: Path,
                                                      pull: dict[str, Any]) -> None:
    runner = Runner(tmp_path, pull["repo"].root, pr_context(pull, pr_head=pull["tip"]))
    done = runner.run(load("pr-check.yml"), "range")
    assert done.returncode == 1
    assert "is not the merge of the pull request's head" in done.stdout
    assert "steps.range.outputs.base" not in runner.context


def test_a_merge_queue_entry_is_judged_against_its_base_sha(tmp_path: Path,
                                                            pull: dict[str, Any]) -> None:
    context = dict(pr_context(pull), **{
        "github.event_name": "merge_group", "github.event.pull_request.number": "",
        "github.event.pull_request.head.sha": "",
        "github.event.merge_group.base_sha": pull["tip"],
        "github.event.merge_group.head_sha": pull["merge"],
        "github.event.merge_group.head_ref":
            f"refs/heads/gh-readonly-queue/main/pr-42-{pull['tip']}"})
    runner = Runner(tmp_path, pull["repo"].root, context)
    done = runner.run(load("pr-check.yml"), "range")
    assert done.returncode == 0, done.stderr
    assert runner.context["steps.range.outputs.base"] == pull["tip"]
    assert runner.context["steps.range.outputs.head"] == pull["merge"]
    assert runner.context["steps.range.outputs.pr"] == "42"


def test_the_tool_is_installed_from_a_worktree_of_the_base(tmp_path: Path,
                                                           pull: dict[str, Any]) -> None:
    doc = load("pr-check.yml")
    runner = Runner(tmp_path, pull["repo"].root, pr_context(pull))
    assert runner.run(doc, "range").returncode == 0
    done = runner.run(doc, "install opsledger from the base commit (never from the pull request)")
    assert done.returncode == 0, done.stderr
    [call] = runner.log.read_text().splitlines()
    cwd, _, args = call.partition("|")
    target = Path(args.split()[-1])
    assert args.split()[0] == "install"
    assert target.resolve() != pull["repo"].root.resolve()
    assert not target.resolve().is_relative_to(pull["repo"].root.resolve())
    assert (target / "tools/which.txt").read_text() == "base\n"
    assert "the base setup.py" in (target / "setup.py").read_text()
    assert pull["repo"].git("-C", str(target), "rev-parse", "HEAD") == pull["tip"]
    assert runner.context["GITHUB_PATH"].strip() == f"{runner.temp}/venv/bin"
    assert Path(cwd) == pull["repo"].root  # so a relative target would have been the PR's tree


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq (on GitHub's runners) is not installed")
def test_every_page_of_reviews_lands_in_one_json_list(tmp_path: Path,
                                                      pull: dict[str, Any]) -> None:
    doc = load("pr-check.yml")
    runner = Runner(tmp_path, pull["repo"].root, pr_context(pull))
    assert runner.run(doc, "range").returncode == 0
    first = [{"id": n, "state": "APPROVED"} for n in range(100)]
    runner.pages_of("repos/acme/ledger/pulls/7/reviews?per_page=100", first,
                    [{"id": 100, "state": "DISMISSED"}])
    done = runner.run(doc, "reviews of the pull request (evidence for review sign-offs)")
    assert done.returncode == 0, done.stderr
    reviews = json.loads((runner.temp / "reviews.json").read_text())
    assert [r["id"] for r in reviews] == list(range(101))


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq (on GitHub's runners) is not installed")
def test_a_failed_review_fetch_fails_the_step(tmp_path: Path, pull: dict[str, Any]) -> None:
    doc = load("pr-check.yml")
    runner = Runner(tmp_path, pull["repo"].root, pr_context(pull))
    assert runner.run(doc, "range").returncode == 0
    done = runner.run(doc, "reviews of the pull request (evidence for review sign-offs)")
    assert done.returncode != 0
    assert "HTTP 404" in done.stderr


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq (on GitHub's runners) is not installed")
def test_the_audit_stores_each_merged_pull_requests_reviews(tmp_path: Path) -> None:
    workspace = tmp_path / "work"
    workspace.mkdir()
    runner = Runner(tmp_path, workspace, {"github.token": "t", "github.repository": "acme/l"})
    runner.pages_of("repos/acme/l/pulls?state=closed&per_page=100",
                    [{"number": 3, "merged_at": "2026-01-02T00:00:00Z"},
                     {"number": 4, "merged_at": None}],
                    [{"number": 5, "merged_at": "2026-01-03T00:00:00Z"}])
    runner.pages_of("repos/acme/l/pulls/3/reviews?per_page=100", [{"id": 31}], [{"id": 32}])
    runner.pages_of("repos/acme/l/pulls/5/reviews?per_page=100", [])
    done = runner.run(load("audit.yml"), "reviews of every merged pull request (reviews/<number>.json)")
    assert done.returncode == 0, done.stderr
    stored = {p.name: json.loads(p.read_text()) for p in (workspace / "reviews").iterdir()}
    assert stored == {"3.json": [{"id": 31}, {"id": 32}], "5.json": []}


# --- recording approving reviews -----------------------------------------------------------

def test_record_reviews_runs_on_approvals_from_this_repositorys_branches() -> None:
    doc = load("record-reviews.yml")
    assert set(triggers(doc)["pull_request_review"]["types"]) == {"submitted", "edited"}
    job = doc["jobs"]["record"]
    condition = " ".join(job["if"].split())
    # a fork's run gets no secrets and its branch cannot be pushed to: its author records
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.event.review.state == 'approved'" in condition
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}
    scripts = [s.get("run", "") for s in all_steps(doc)]
    assert [t for script in scripts for t in pip_installs(script)] == ["$RUNNER_TEMP/base"]
    command = " ".join(step(doc, "record-reviews")["run"].split())
    assert command == ('opsledger record-reviews --pr "$PR" --reviews '
                       '"$RUNNER_TEMP/reviews.json" --base "$BASE" --head HEAD')
    push = step(doc, "push the sign-offs to the pull request's branch")
    # GITHUB_TOKEN's pushes start no workflow: the check would never see the sign-off
    assert push["env"]["APP_TOKEN"] == "${{ steps.app.outputs.token }}"
    assert "github.token" not in json.dumps(push)


@pytest.fixture
def reviewed(tmp_path: Path) -> dict[str, Any]:
    """A checkout of a pull request's head, origin/main its base, as the job sees it."""
    repo = GitLedger(tmp_path / "work")
    repo.root.mkdir()
    repo.git("init", "-q")
    repo.write("releases/REL-2026-0001/release.yaml", "status: submitted\n")
    repo.write("tools/which.txt", "base\n")
    base = repo.commit("base")
    repo.git("update-ref", "refs/remotes/origin/main", base)
    repo.write("tools/which.txt", "pull request\n")
    repo.write("releases/REL-2026-0001/release.yaml", "status: approved\n")
    head = repo.commit("PR", who="bob")
    return {"repo": repo, "base": base, "head": head}


def review_context() -> dict[str, str]:
    return {"github.event.pull_request.base.ref": "main",
            "github.event.pull_request.number": "7", "github.token": "token",
            "github.repository": "acme/ledger"}


def test_record_reviews_installs_the_tool_from_the_base(tmp_path: Path,
                                                       reviewed: dict[str, Any]) -> None:
    runner = Runner(tmp_path, reviewed["repo"].root, review_context())
    done = runner.run(load("record-reviews.yml"), "base")
    assert done.returncode == 0, done.stderr
    assert runner.context["steps.base.outputs.sha"] == reviewed["base"]
    target = Path(runner.log.read_text().split("|")[1].split()[-1])
    assert (target / "tools/which.txt").read_text() == "base\n"


@pytest.mark.parametrize(("written", "ok"), [
    ({"releases/REL-2026-0001/signoffs/qa--carol.yaml": "x"}, True),
    ({}, True),
    ({"releases/REL-2026-0001/release.yaml": "status: approved\nedited: true\n"}, False),
    ({"releases/REL-2026-0001/notes.yaml": "x"}, False),
    ({"tools/which.txt": "rewritten\n"}, False),
])
def test_record_reviews_pushes_only_new_sign_off_files(
        tmp_path: Path, reviewed: dict[str, Any], written: dict[str, str], ok: bool) -> None:
    for path, text in written.items():
        reviewed["repo"].write(path, text)
    runner = Runner(tmp_path, reviewed["repo"].root, review_context())
    done = runner.run(load("record-reviews.yml"), "files")
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    if ok:
        assert runner.context["steps.files.outputs.count"] == str(len(written))
    else:
        assert "::error::record-reviews" in done.stdout
