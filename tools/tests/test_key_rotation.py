"""Key rotation on real repositories: a retired key keeps the sign-offs it made valid (judged
by when they were merged, never by their own `at`) and signs nothing new; a policy change
never breaks a record at rest. Each attack beside its legal twin from the same base."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, GitLedger
from test_trust_root import admins_approve, line_with, run_check

from opsledger.cli import main

SAMPLE_CAROL = (REPO / "sample-keys" / "carol.pub").read_text().split()[:2]
OLD = " ".join(SAMPLE_CAROL)
BASE_TIME = "2026-11-01T10:00:00+00:00"  # when the `ledger` fixture's commit was made


@pytest.fixture
def carol_keys(tmp_path: Path) -> dict[str, Path]:
    old = tmp_path / "carol-old"
    shutil.copy(REPO / "sample-keys" / "carol", old)
    old.chmod(0o600)
    new = tmp_path / "carol-new"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "carol@example.com",
                    "-f", str(new)], check=True)
    return {"old": old, "new": new}


def new_line(keys: dict[str, Path]) -> str:
    return " ".join(keys["new"].with_suffix(".pub").read_text().split()[:2])


def set_carol_keys(ledger: GitLedger, entries: str) -> None:
    policy = ledger.read("opsledger.yaml")
    changed = re.sub(r'(\n  carol: \{.*keys: )\[[^\]]*\]', lambda m: m.group(1) + entries, policy)
    assert changed != policy
    ledger.write("opsledger.yaml", changed)


def rotate(ledger: GitLedger, keys: dict[str, Path], retired: str) -> str:
    set_carol_keys(ledger, f'[{{key: "{OLD} carol@example.com", retired: "{retired}"}}, '
                           f'"{new_line(keys)} carol@example.com"]')
    return ledger.commit("carol rotates her key", who="heidi", date="2026-11-20T09:00:00+00:00")


def revoke(key: Path, at: str) -> int:
    return main(["sign", "REL-2026-0004", "--role", "qa", "--as", "carol", "--decision",
                 "revoke", "--key", str(key), "--at", at])


def test_rotation_passes_and_keeps_merged_signoffs_valid(
        ledger: GitLedger, carol_keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    head = rotate(ledger, carol_keys, "2026-11-20T00:00:00Z")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 0, out
    # carol's sample sign-offs were merged before the retirement: still valid at rest.
    assert main(["validate"]) == 0, capsys.readouterr().out
    assert "qa: carol approve for approval #1 [valid]" in \
        (main(["show", "REL-2026-0004"]), capsys.readouterr().out)[1]


def test_back_dated_retirement_is_refused(ledger: GitLedger, carol_keys: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    head = rotate(ledger, carol_keys, "2026-10-01T00:00:00Z")  # before the base's last change
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    assert "is back-dated" in line_with(out, "opsledger.yaml:", "error OL217",
                                        "people.carol.keys[0]")
    assert BASE_TIME in line_with(out, "error OL217")


def test_removing_a_key_is_refused(ledger: GitLedger, carol_keys: dict[str, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    set_carol_keys(ledger, f'["{new_line(carol_keys)} carol@example.com"]')
    head = ledger.commit("carol's new key replaces the old", who="heidi")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    assert "keep it as {key: ..., retired: TIME}" in \
        line_with(out, "error OL217", "people.carol.keys[0] was removed")


def test_a_retirement_never_moves(ledger: GitLedger, carol_keys: dict[str, Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    rotate(ledger, carol_keys, "2026-11-20T00:00:00Z")
    base = ledger.git("rev-parse", "HEAD")
    set_carol_keys(ledger, f'[{{key: "{OLD}", retired: "2027-01-01T00:00:00Z"}}, '
                           f'"{new_line(carol_keys)}"]')
    head = ledger.commit("carol's old key a while longer", who="carol")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    assert "may not move" in line_with(out, "error OL217", "people.carol.keys[0]")
    # Marking the retired key compromised as well is what a leak after rotation needs.
    set_carol_keys(ledger, f'[{{key: "{OLD}", retired: "2026-11-20T00:00:00Z", '
                           f'compromised: "2026-11-25T00:00:00Z"}}, "{new_line(carol_keys)}"]')
    head = ledger.commit("carol's old key leaked", who="heidi")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 0, out


def test_a_new_key_cannot_arrive_retired(ledger: GitLedger, carol_keys: dict[str, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    set_carol_keys(ledger, f'["{OLD}", {{key: "{new_line(carol_keys)}", '
                           'retired: "2026-12-01T00:00:00Z"}]')
    head = ledger.commit("a spare key", who="heidi")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1
    assert "only once it is in the policy" in line_with(out, "error OL217", "keys[1]")


def test_a_retired_key_signs_nothing_new(ledger: GitLedger, carol_keys: dict[str, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rotate(ledger, carol_keys, "2026-11-20T00:00:00Z")
    base = ledger.git("rev-parse", "HEAD")
    # `sign` refuses the old key now...
    assert revoke(carol_keys["old"], "2026-11-26T10:00:00Z") == 1
    assert "was retired on 2026-11-20" in capsys.readouterr().err
    # ...and a sign-off back-dated by its own `at` to before the retirement is a forgery:
    # what counts is when it is merged (in a pull request: now).
    assert revoke(carol_keys["old"], "2026-11-10T10:00:00Z") == 0
    ledger.commit("carol revokes, with her old key", who="carol")
    code, out = run_check(capsys, base)
    assert code == 1
    line_with(out, "qa--carol--2.yaml", "error OL301")
    # The legal twin: the same revoke signed with her new key.
    ledger.git("reset", "-q", "--hard", base)
    assert revoke(carol_keys["new"], "2026-11-26T10:00:00Z") == 0
    ledger.commit("carol revokes", who="carol")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_compromised_key_voids_what_was_merged_after_the_leak(
        ledger: GitLedger, carol_keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    assert revoke(carol_keys["old"], "2026-11-10T10:00:00Z") == 0
    ledger.commit("carol revokes", who="carol", date="2026-11-10T10:00:00+00:00")
    base = ledger.git("rev-parse", "HEAD")
    set_carol_keys(ledger, f'[{{key: "{OLD}", compromised: "2026-11-05T00:00:00Z"}}, '
                           f'"{new_line(carol_keys)}"]')
    head = ledger.commit("carol's old key leaked on the 5th", who="heidi",
                         date="2026-11-12T10:00:00+00:00")
    code, out = run_check(capsys, base, *admins_approve(ledger, head))
    assert code == 1  # the head must validate, and the revoke merged after the leak cannot
    line_with(out, "REL-2026-0004/signoffs/qa--carol--2.yaml", "error OL301")
    assert "qa--carol.yaml" not in out  # merged on the 1st, before the leak: still valid


def test_a_role_given_up_does_not_undo_merged_signoffs(
        ledger: GitLedger, carol_keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [erin]")
    ledger.commit("carol moves to another team", who="heidi")
    assert main(["validate"]) == 0, capsys.readouterr().out
    # What she adds now is judged now: she no longer holds qa.
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("releases/REL-2026-0004/signoffs/qa--carol--2.yaml",
                 ledger.read("releases/REL-2026-0004/signoffs/qa--carol.yaml")
                 .replace("seq: 1", "seq: 2"))
    ledger.commit("carol's approval again", who="carol")
    code, out = run_check(capsys, base)
    assert code == 1
    line_with(out, "qa--carol--2.yaml", "OL151", "does not hold the role qa")


def test_a_cached_validate_expires_when_a_retirement_comes_due(
        ledger: GitLedger, carol_keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import time as clock

    from opsledger import timefmt
    from opsledger.commands import validate

    rotate(ledger, carol_keys, "2030-01-01T00:00:00Z")  # announced, not yet due
    # An uncommitted revoke made with the old key: valid until the retirement comes.
    assert revoke(carol_keys["old"], "2026-11-26T10:00:00Z") == 0
    later = timefmt.parse("2030-01-02T00:00:00Z")
    for _ in range(2):
        clock.sleep(2.1)  # older than the cache's racy window, so the result is stored
        assert main(["validate"]) == 0, capsys.readouterr().out
        capsys.readouterr()
    monkeypatch.setattr(timefmt, "now_utc", lambda: later)
    monkeypatch.setattr(validate.time, "time", later.timestamp)
    assert main(["validate"]) == 1
    line_with(capsys.readouterr().out, "qa--carol--2.yaml", "OL301")
