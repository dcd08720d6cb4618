"""Sign-offs that cannot be forged and cannot go stale: each attack is refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import NOW, GitLedger, run_check

from opsledger.cli import main

REL5 = "releases/REL-2026-0005"  # critical, identity, data migration; requested by judy
REL4 = "releases/REL-2026-0004"  # medium + data migration; requested by alice, executor dave


def sign(keys: dict[str, Path], record: str, role: str, person: str, key_of: str | None = None,
         decision: str = "approve") -> int:
    return main(["sign", record, "--role", role, "--as", person, "--key",
                 str(keys[key_of or person]), "--decision", decision, "--at", NOW])


def approve_pr(ledger: GitLedger, record_path: str) -> None:
    ledger.edit(f"{record_path}/release.yaml", "status: submitted", "status: approved")


@pytest.fixture
def submitted(keyed: GitLedger) -> GitLedger:
    """REL-2026-0004 moved back to submitted (no sign-offs), committed."""
    keyed.edit(f"{REL4}/release.yaml", "status: approved", "status: submitted")
    keyed.commit("back to submitted", who="alice")
    return keyed


def collect_rel4(keys: dict[str, Path]) -> None:
    assert sign(keys, "REL-2026-0004", "dev_lead", "bob") == 0
    assert sign(keys, "REL-2026-0004", "qa", "carol") == 0
    assert sign(keys, "REL-2026-0004", "dba", "grace") == 0


def test_full_signoffs_approve(submitted: GitLedger, keys: dict[str, Path],
                               capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    collect_rel4(keys)
    approve_pr(submitted, REL4)
    submitted.commit("approve", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_missing_role_names_eligible_people(submitted: GitLedger, keys: dict[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    assert sign(keys, "REL-2026-0004", "dev_lead", "bob") == 0
    assert sign(keys, "REL-2026-0004", "dba", "grace") == 0
    approve_pr(submitted, REL4)
    submitted.commit("approve", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: REL-2026-0004: approval: missing sign-off: qa (eligible: carol, erin)" in out


def test_someone_elses_key_is_a_forgery(submitted: GitLedger, keys: dict[str, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    collect_rel4(keys)
    # mallory signs a file claiming carol: the tool refuses, so mallory writes it by hand
    assert sign(keys, "REL-2026-0004", "qa", "carol", key_of="mallory") == 1
    forged = submitted.path(f"{REL4}/signoffs/qa--carol--2.yaml")
    good = submitted.read(f"{REL4}/signoffs/qa--carol.yaml")
    payload = good.split("signature:")[0].replace("seq: 1", "seq: 2")
    _write_signed(forged, payload, _ssh_sign(keys["mallory"], submitted, payload))
    approve_pr(submitted, REL4)
    submitted.commit("approve", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "qa--carol--2.yaml:9:12: error OL301: forged or unverifiable sign-off" in out
    assert "missing sign-off: qa" in out  # the latest decision of carol is the forged one


def _write_signed(path: Path, payload_yaml: str, signature: str) -> None:
    lines = "".join(f"  {line}\n" for line in signature.splitlines())
    path.write_text(payload_yaml + "signature: |\n" + lines)


def _ssh_sign(key: Path, ledger: GitLedger, payload_yaml: str, namespace: str = "opsledger") -> str:
    from opsledger.loader import load
    from opsledger.signoffs import payload

    data = load("x", payload_yaml.encode()).data
    target = ledger.root.parent / "payload"
    target.write_bytes(payload(data))
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-n", namespace, "-f", str(key),
                    str(target)], check=True)
    return (ledger.root.parent / "payload.sig").read_text()


def test_git_namespace_signature_is_refused(submitted: GitLedger, keys: dict[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    collect_rel4(keys)
    path = submitted.path(f"{REL4}/signoffs/qa--carol.yaml")
    payload = path.read_text().split("signature:")[0]
    _write_signed(path, payload, _ssh_sign(keys["carol"], submitted, payload, namespace="git"))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "qa--carol.yaml:9:12: error OL301" in out


def test_replayed_signature_and_hand_edited_digest(submitted: GitLedger, keys: dict[str, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    assert sign(keys, "REL-2026-0004", "qa", "carol") == 0
    good = submitted.read(f"{REL4}/signoffs/qa--carol.yaml")
    # replay onto another role and another record
    submitted.write(f"{REL4}/signoffs/dba--carol.yaml", good.replace('"qa"', '"dba"'))
    other = good.replace("REL-2026-0004", "REL-2026-0005")
    submitted.write(f"{REL5}/signoffs/qa--carol.yaml", other)
    # the record changes, and the digest in carol's sign-off is edited by hand to match it
    submitted.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 45")
    assert main(["digest", "REL-2026-0004"]) == 0
    current = capsys.readouterr().out.split()[-1]  # after the path `sign` printed
    signed = good.split('digest: "')[1].split('"')[0]
    assert current.startswith("sha256:") and signed != current
    submitted.edit(f"{REL4}/signoffs/qa--carol.yaml", signed, current)
    submitted.commit("replays", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "dba--carol.yaml:9:12: error OL301" in out
    assert f"{REL5}/signoffs/qa--carol.yaml:9:12: error OL301" in out
    assert (f"{REL4}/signoffs/qa--carol.yaml:9:12: error OL301: forged or unverifiable "
            "sign-off: signature is not a valid `opsledger` signature by a key registered for "
            "carol in the policy") in out


def test_content_edit_after_approval_makes_signoffs_stale(
        submitted: GitLedger, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    collect_rel4(keys)
    approve_pr(submitted, REL4)
    submitted.commit("approved", who="bob")
    base = submitted.git("rev-parse", "HEAD")
    submitted.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 45")
    submitted.commit("sneak in downtime", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL208" in out and "OL302: stale sign-off on a record that is approved" in out
    # editing the digest by hand does not help: the signature no longer matches
    path = submitted.path(f"{REL4}/signoffs/qa--carol.yaml")
    text = path.read_text()
    digest = main(["digest", "REL-2026-0004"])
    current = capsys.readouterr().out.strip()
    assert digest == 0
    old = text.split('digest: "')[1].split('"')[0]
    path.write_text(text.replace(old, current))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "qa--carol.yaml:9:12: error OL301" in out


def test_requester_and_one_person_two_roles(keyed: GitLedger, keys: dict[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # REL-2026-0005 needs dev_lead, qa, ops, security, cab x2, dba; requester judy
    base = keyed.git("rev-parse", "HEAD")
    for role, person in [("dev_lead", "alice"), ("qa", "erin"), ("ops", "dave"),
                         ("security", "frank"), ("cab", "frank"), ("cab", "grace"),
                         ("dba", "grace")]:
        assert sign(keys, "REL-2026-0005", role, person) == 0
    approve_pr(keyed, REL5)
    keyed.commit("approve", who="alice")
    code, out = run_check(capsys, base)
    assert code == 1
    # frank and grace each fill only one slot: one cab slot stays empty (heidi executes)
    assert "missing sign-off: cab" in out


def test_matching_not_greedy(keyed: GitLedger, keys: dict[str, Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    # grace signs cab first in file order; a greedy fill would use her for cab and leave dba
    keyed.edit("opsledger.yaml", "  cab: [grace, heidi, frank, ivan]",
               "  cab: [grace, heidi, frank, ivan, erin]")
    keyed.commit("policy: erin and ivan join cab", who="heidi")
    base = keyed.git("rev-parse", "HEAD")
    for role, person in [("cab", "grace"), ("dba", "grace"), ("cab", "erin"), ("cab", "ivan"),
                         ("dev_lead", "alice"), ("qa", "carol"), ("ops", "dave"),
                         ("security", "frank")]:
        assert sign(keys, "REL-2026-0005", role, person) == 0
    approve_pr(keyed, REL5)
    keyed.commit("approve", who="alice")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_role_added_in_same_pr_does_not_count(submitted: GitLedger, keys: dict[str, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    submitted.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [carol, erin, frank]")
    assert sign(keys, "REL-2026-0004", "dev_lead", "bob") == 0
    assert sign(keys, "REL-2026-0004", "qa", "frank") == 0
    assert sign(keys, "REL-2026-0004", "dba", "grace") == 0
    approve_pr(submitted, REL4)
    submitted.commit("add myself and approve", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL211" in out
    assert "qa--frank.yaml:3:5: error OL151: frank does not hold the role qa" in out


def test_revoked_and_rejected(submitted: GitLedger, keys: dict[str, Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    collect_rel4(keys)
    assert sign(keys, "REL-2026-0004", "qa", "carol", decision="revoke") == 0
    assert sign(keys, "REL-2026-0004", "qa", "erin", decision="reject") == 0
    approve_pr(submitted, REL4)
    submitted.commit("approve anyway", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL304: REL-2026-0004: approval: erin rejected it as qa" in out
    assert "missing sign-off: qa" in out


def _review_signoff(ledger: GitLedger, record: str, role: str, person: str, review_id: int,
                    pr: int = 7, decision: str = "approve") -> None:
    from opsledger.digest import digest
    from opsledger.tree import WorkTree
    from opsledger.workspace import load_record

    value = digest(load_record(WorkTree(ledger.root), record))
    ledger.write(f"{REL4}/signoffs/{role}--{person}.yaml",
                 f'record: "{record}"\nrole: "{role}"\nby: "{person}"\ndecision: "{decision}"\n'
                 f'gate: "approval"\nseq: 1\n'
                 f'digest: "{value}"\nat: "{NOW}"\nreview:\n  pr: {pr}\n  review_id: {review_id}\n')


CAROL = {"login": "carol-c", "id": 5512345}  # carol's github_id in the sample policy


def test_pull_request_reviews_as_evidence(submitted: GitLedger, keys: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    submitted.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 45")
    earlier = submitted.commit("a draft of the change", who="alice")
    submitted.edit(f"{REL4}/release.yaml", "downtime_minutes: 45", "downtime_minutes: 0")
    assert sign(keys, "REL-2026-0004", "dev_lead", "bob") == 0
    assert sign(keys, "REL-2026-0004", "dba", "grace") == 0
    reviewed = submitted.commit("signatures", who="bob")
    _review_signoff(submitted, "REL-2026-0004", "qa", "carol", 901)
    approve_pr(submitted, REL4)
    submitted.commit("approve by review", who="bob")
    reviews = submitted.root.parent / "reviews.json"

    def with_reviews(rows: list[dict[str, object]]) -> tuple[int, str]:
        reviews.write_text(json.dumps(rows))
        return run_check(capsys, base, "--reviews", str(reviews), "--pr", "7")

    # carol approved the commit before the sign-off file recording it was added
    good = {"id": 901, "user": CAROL, "state": "APPROVED", "commit_id": reviewed}
    assert with_reviews([good])[0] == 0
    code, out = with_reviews([{**good, "commit_id": earlier}])
    assert code == 1
    assert (f"{REL4}/signoffs/qa--carol.yaml:10:3: error OL306: forged or unverifiable sign-off: "
            f"review 901 approved commit {earlier[:12]}, where REL-2026-0004 is not what the "
            "sign-off's digest says\n") in out
    # a renamed login registered again by someone else: matched by github_id, not login
    code, out = with_reviews([{**good, "user": {"login": "carol-c", "id": 666}}])
    assert code == 1 and "carol (github_id in the policy) has no approving review" in out
    code, out = with_reviews([{**good, "state": "COMMENTED"}])
    assert code == 1 and "has no approving review on this pull request" in out
    later = {"id": 950, "user": CAROL, "state": "CHANGES_REQUESTED", "commit_id": reviewed}
    code, out = with_reviews([good, later])
    assert code == 1 and "review 901 is not carol's latest review (950, CHANGES_REQUESTED)" in out
    code, out = with_reviews([{**good, "body": "LGTM /approve dba"}])
    assert code == 1 and "review 901 approves as dba, not qa" in out
    code, out = run_check(capsys, base)  # no reviews: a review sign-off the PR adds fails closed
    assert code == 1 and "run `opsledger check` with --reviews FILE --pr N" in out
    reviews.write_text(json.dumps([good]))
    assert run_check(capsys, base, "--reviews", str(reviews), "--pr", "8")[0] == 1  # another PR


def test_a_review_proves_only_an_approve(submitted: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    reviewed = submitted.git("rev-parse", "HEAD")
    _review_signoff(submitted, "REL-2026-0004", "qa", "carol", 901, decision="reject")
    submitted.edit(f"{REL4}/release.yaml", "status: submitted", "status: rejected")
    submitted.commit("rejected by review", who="mallory")
    reviews = submitted.root.parent / "reviews.json"
    reviews.write_text(json.dumps([{"id": 901, "user": CAROL, "state": "APPROVED",
                                    "commit_id": reviewed}]))
    code, out = run_check(capsys, base, "--reviews", str(reviews), "--pr", "7")
    assert code == 1 and "a review proves an approval only" in out


def test_merged_review_signoffs_are_not_verified_again(submitted: GitLedger,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    _review_signoff(submitted, "REL-2026-0004", "qa", "carol", 901)
    base = submitted.commit("carol's review, merged in pull request 7", who="carol")
    submitted.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 5")
    submitted.commit("a later change", who="alice")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_sign_refusals(keyed: GitLedger, keys: dict[str, Path],
                       capsys: pytest.CaptureFixture[str]) -> None:
    assert sign(keys, "REL-2026-0004", "qa", "bob") == 1
    assert "bob does not hold the role qa (held by: carol, erin)" in capsys.readouterr().err
    assert sign(keys, "REL-2026-0004", "qa", "carol", key_of="erin") == 1
    assert "is not registered for carol" in capsys.readouterr().err
    assert main(["sign", "../../etc", "--role", "qa"]) == 2
    assert not list(keyed.root.glob("releases/REL-2026-0004/signoffs/*"))


def test_decisions_numbered_without_gaps(ledger: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    signoffs = f"{REL4}/signoffs"
    ledger.write(f"{signoffs}/qa--carol--3.yaml", ledger.read(f"{signoffs}/qa--carol.yaml"))
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == (
        f"{signoffs}: error OL308: qa--carol: decisions must be numbered 1, 2, 3... without gaps "
        "(found [1, 3])\n"
        # the copy also claims decision 1 in its signed content: it counts for nothing
        f"{signoffs}/qa--carol--3.yaml:1:9: error OL150: sign-off its record/role/by/seq must be "
        "REL-2026-0004/qa/carol/3, as its file name says\n17 records: 2 problems\n")


def test_audit_verifies_review_sign_offs_with_the_merged_pulls_reviews(
        submitted: GitLedger, keys: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    assert sign(keys, "REL-2026-0004", "dev_lead", "bob") == 0
    assert sign(keys, "REL-2026-0004", "dba", "grace") == 0
    _review_signoff(submitted, "REL-2026-0004", "qa", "carol", 901)
    approve_pr(submitted, REL4)
    merged = submitted.commit("REL-2026-0004 approved (#7)", who="bob")
    reviews = tmp_path / "reviews"
    reviews.mkdir()

    def audit(state: str) -> tuple[int, str]:
        (reviews / "7.json").write_text(json.dumps(
            [{"id": 901, "user": CAROL, "state": state, "commit_id": merged}]))
        code = main(["audit", "--from", base, "--reviews", str(reviews)])
        return code, capsys.readouterr().out

    assert audit("APPROVED")[0] == 0
    code, out = audit("CHANGES_REQUESTED")
    assert code == 1
    assert "error OL306: forged or unverifiable sign-off: review 901 is CHANGES_REQUESTED, " \
           "not APPROVED" in out
    assert main(["audit", "--from", base]) == 0  # without reviews: accepted at merge time
