from __future__ import annotations

import json

import pytest
from conftest import GitLedger, run_check

from opsledger.cli import main
from opsledger.gitrepo import GitRepo
from opsledger.tree import CommitTree, TooLarge


def test_sample_ledger_is_clean(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.strip() == "17 records: no problems"


def test_validate_one_path(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "incidents/INC-2026-0001"]) == 0
    assert "1 record: no problems" in capsys.readouterr().out


def test_missing_path_cannot_run(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "incidents/INC-2026-0999"]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_not_a_ledger(tmp_path: object, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(str(tmp_path))
    assert main(["validate"]) == 2
    assert "not an opsledger ledger" in capsys.readouterr().err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "xml"]) == 2


def test_json_and_sarif_formats(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("incidents/INC-2026-0003/incident.yaml", "severity: SEV3", "severity: SEV9")
    assert main(["validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"][0]["code"] == "OL101"
    assert report["problems"][0]["line"] == 7
    assert main(["validate", "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "OL101"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 7


def test_github_annotations_cannot_be_forged(ledger: GitLedger,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("incidents/INC-2026-0003/incident.yaml", "services: [search]",
                'services: ["x\\n::notice::pwned"]')
    assert main(["validate", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert "\n::notice::" not in out
    assert out.startswith("::error file=incidents/INC-2026-0003/incident.yaml,line=")


def test_unknown_references(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    path = "incidents/INC-2026-0002/incident.yaml"
    ledger.edit(path, "services: [identity]", "services: [identiy]")
    ledger.edit(path, "person: dave,", "person: davo,")
    ledger.edit(path, "postmortem:\n", "related_releases: [REL-2026-0404]\npostmortem:\n")
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert f"{path}:10:12: error OL120: services.0: unknown service 'identiy'" in out
    assert f"{path}:19:40: error OL121: roles.0.person: unknown person 'davo'" in out
    assert "error OL123: related_releases.0: release 'REL-2026-0404' does not exist" in out


def test_a_releases_links_must_be_returned(ledger: GitLedger,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # The incident may link a release that cannot list it (an approved release is frozen).
    ledger.edit("releases/REL-2026-0002/release.yaml", "related_incidents: [INC-2026-0001]\n", "")
    assert main(["validate"]) == 0
    ledger.edit("incidents/INC-2026-0001/incident.yaml",
                "related_releases: [REL-2026-0002, REL-2026-0003]",
                "related_releases: [REL-2026-0003]")
    ledger.edit("releases/REL-2026-0002/release.yaml", "\nstatus:",
                "\nrelated_incidents: [INC-2026-0001]\nstatus:")
    capsys.readouterr()
    assert main(["validate"]) == 1
    assert "OL125: related_incidents.0: INC-2026-0001 does not list REL-2026-0002" in \
        capsys.readouterr().out


def test_stray_files_and_bad_names(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write("releases/notes.txt", "hello")
    ledger.write("incidents/INC-26-1/incident.yaml", "id: x\n")
    ledger.write("incidents/INC-2026-0002/extra.yaml", "a: 1\n")
    ledger.write("incidents/INC-2026-0002/signoffs/approved.yaml", "a: 1\n")
    ledger.write("incidents/INC-2026-0\u200b9/incident.yaml", "a: 1\n")
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "releases/notes.txt: error OL020: stray file" in out
    assert "incidents/INC-26-1: error OL022: directory name is not an incident id" in out
    assert "incidents/INC-2026-0002/extra.yaml: error OL020" in out
    assert "incidents/INC-2026-0002/signoffs/approved.yaml: error OL024" in out
    assert "incidents/INC-2026-0\\u200b9: error OL009" in out


def test_symlink_target_never_read(ledger: GitLedger, tmp_path: object,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    secret = ledger.root.parent / "secret.yaml"
    secret.write_text("id: TOP-SECRET-CONTENT\n")
    (ledger.root / "incidents/INC-2026-0009").mkdir()
    (ledger.root / "incidents/INC-2026-0009/incident.yaml").symlink_to(secret)
    (ledger.root / "releases/REL-2026-0099").symlink_to(ledger.root.parent)
    assert main(["validate"]) == 1
    captured = capsys.readouterr()
    assert "TOP-SECRET" not in captured.out + captured.err
    assert "incidents/INC-2026-0009/incident.yaml: error OL021" in captured.out
    assert "releases/REL-2026-0099: error OL021: symbolic link" in captured.out


def test_twenty_megabytes_refused_before_parsing(ledger: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write("incidents/INC-2026-0003/incident.yaml", b"a: " + b"x" * 20_000_000 + b"\n")
    assert main(["validate"]) == 1
    assert ("incidents/INC-2026-0003/incident.yaml:1:1: error OL001: file is 20000004 bytes; "
            "the limit is 262144 (256 KiB); it was not read") in capsys.readouterr().out


def test_record_directory_without_its_record_file(ledger: GitLedger,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write("incidents/INC-2026-0009/postmortem.md", "# Postmortem\n")
    ledger.write("releases/REL-2026-0011/signoffs/dev_lead--alice.yaml",
                 ledger.read("releases/REL-2026-0001/signoffs/dev_lead--alice.yaml"))
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == (
        "incidents/INC-2026-0009: error OL023: missing incident.yaml\n"
        "releases/REL-2026-0011: error OL023: missing release.yaml\n"
        "19 records: 2 problems\n")


def test_signoff_that_disagrees_with_its_file_name(ledger: GitLedger,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # alice's sign-off copied under bob's name (bob holds dev_lead): its `by` still says alice
    signoffs = "releases/REL-2026-0005/signoffs"
    ledger.write(f"{signoffs}/dev_lead--bob.yaml", ledger.read(f"{signoffs}/dev_lead--alice.yaml"))
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == (
        f"{signoffs}/dev_lead--bob.yaml:1:9: error OL150: sign-off its record/role/by/seq must "
        "be REL-2026-0005/dev_lead/bob/1, as its file name says\n"
        "17 records: 1 problem\n")


def test_policy_problems(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [carol, erin, zoe]")
    ledger.edit("opsledger.yaml", "owners: [ivan]", "owners: [ivan, ivo]")
    ledger.edit("opsledger.yaml", "require: [{role: dba}]", "require: [{role: dbadmin}]")
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == (
        "opsledger.yaml:20:21: error OL160: roles.qa: unknown person 'zoe'\n"
        "opsledger.yaml:42:24: error OL160: releases.rules.0.require.0.role: unknown role "
        "'dbadmin'\n"
        "opsledger.yaml:129:61: error OL160: services.4.owners: unknown person 'ivo'\n"
        "17 records: 3 problems\n")


def test_an_oversized_file_in_a_commit_is_refused_and_what_follows_is_read_intact(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    """git hands a blob over whole: the one over the limit is passed over unkept, and the
    next file read through the same pipe is the next file, byte for byte."""
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("incidents/INC-2026-0003/incident.yaml", b"a: " + b"x" * 3_000_000 + b"\n")
    ledger.edit("incidents/INC-2026-0004/incident.yaml", "\ntitle: ", "\ntitle: Renamed, ")
    ledger.commit("oversized incident, renamed neighbour")
    code, out = run_check(capsys, base)
    assert code == 1
    assert ("incidents/INC-2026-0003/incident.yaml:1:1: error OL001: file is 3000004 bytes; "
            "the limit is 262144 (256 KiB); it was not read") in out
    assert "INC-2026-0004" not in out  # read and judged as the valid record it is
    tree = CommitTree(GitRepo(ledger.root), ledger.git("rev-parse", "HEAD"))
    with pytest.raises(TooLarge):
        tree.read("incidents/INC-2026-0003/incident.yaml")
    after = tree.read("incidents/INC-2026-0004/incident.yaml")
    assert after == ledger.path("incidents/INC-2026-0004/incident.yaml").read_bytes()


def test_every_person_field_is_looked_up_at_any_depth(ledger: GitLedger,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Names in person fields (`by`, `owner`, ...) and person lists (`oncall`) are looked up
    wherever they are nested; a list under a person field, or a name in an ordinary list,
    is not a person."""
    path = "releases/REL-2026-0001/release.yaml"
    text = ledger.read(path)
    ledger.write(path, text.replace("  oncall: [", "  oncall: [ghost1, ", 1)
                 .replace("\ntimeline:\n", "\ntimeline:\n  - {at: 2026-01-01T00:00:00Z, type: note, "
                          "text: x, by: ghost2}\n", 1))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "OL121: emergency_response.oncall.0: unknown person 'ghost1'" in out
    assert "OL121: timeline.0.by: unknown person 'ghost2'" in out
    assert out.count("OL121") == 2
