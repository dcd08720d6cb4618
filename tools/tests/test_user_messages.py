"""What a user reads after the small mistakes everyone makes: each says what happened and
what to do, in one line, with line numbers that exist in the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, GitLedger

from opsledger.cli import main


def test_log_says_what_it_logged(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "INC-2026-0003", "Partition rebalanced", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    err = capsys.readouterr().err
    assert "INC-2026-0003: logged a note event at 2026-11-26T11:00:00+01:00 by judy" in err


def test_a_refused_log_cites_lines_the_file_has(ledger: GitLedger,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = "incidents/INC-2026-0003/incident.yaml"
    before = ledger.read(path)
    assert main(["log", "INC-2026-0003", "Partition rebalanced\u202e", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 1
    err = capsys.readouterr().err
    assert ledger.read(path) == before
    assert f"{path}: error OL009: the new event: character U+202E" in err, err
    lines = len(before.splitlines())
    for cited in err.splitlines():
        if cited.startswith(f"{path}:") and cited.split(":")[1].isdigit():
            assert int(cited.split(":")[1]) <= lines, cited


def test_counts_and_articles_read_as_english(ledger: GitLedger,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "releases/REL-2026-0004"]) == 0
    assert capsys.readouterr().out.strip() == "1 record: no problems"
    ledger.edit("releases/REL-2026-0006/release.yaml", "\ntitle: ", "\ntitle: x #")
    assert main(["validate", "releases/REL-2026-0006"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "1 record: 1 problem"
    assert main(["digest", "INC-2026-0001", "--gate", "approval"]) == 2
    assert "is not a gate of an incident" in capsys.readouterr().err


def test_validate_a_folder_validates_only_that_folder(ledger: GitLedger,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("incidents/INC-2026-0003/incident.yaml", "severity: ", "severity: SEV9 #")
    assert main(["validate", "releases"]) == 0
    releases = len(list((ledger.root / "releases").iterdir()))
    assert capsys.readouterr().out.strip() == f"{releases} records: no problems"
    assert main(["validate", "incidents"]) == 1
    assert "INC-2026-0003" in capsys.readouterr().out


def test_a_public_key_passed_as_key_says_to_pass_the_private_one(
        ledger: GitLedger, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    public = tmp_path / "carol.pub"
    shutil.copy(REPO / "sample-keys/carol.pub", public)
    shutil.copy(REPO / "sample-keys/carol", tmp_path / "carol")
    assert main(["sign", "REL-2026-0005", "--role", "qa", "--as", "carol",
                 "--key", str(public)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"opsledger: error: --key {public} is a public key; pass the private key "
                   f"({tmp_path / 'carol'}, beside it): the file without .pub")


def test_a_misspelt_service_suggests_the_catalogs(ledger: GitLedger,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "release", "--system", "serach", "--as", "bob"]) == 2
    err = capsys.readouterr().err
    assert "'serach' is not a service in the catalog of opsledger.yaml; did you mean " \
           "'search'?" in err
    assert not (ledger.root / "releases/REL-2026-0011").exists()


def test_medians_carry_one_decimal_as_the_site_shows_them(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    found = [v["median_minutes"] for spans in data["incidents"]["by_severity"].values()
             for v in spans.values()]
    assert found and all(m == round(m, 1) for m in found)


def test_a_mistyped_state_or_event_type_is_named_with_the_likely_word(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    before = ledger.read("releases/REL-2026-0006/release.yaml")
    assert main(["status", "REL-2026-0006", "submited", "--as", "alice"]) == 2
    err = capsys.readouterr().err
    assert "unknown release state 'submited'; did you mean submitted?" in err
    assert "Traceback" not in err
    assert main(["log", "INC-2026-0003", "told legal", "--type", "notifcation", "--to",
                 "legal_counsel", "--as", "judy"]) == 2
    assert "--type: unknown event type 'notifcation'; did you mean notification?" in \
        capsys.readouterr().err
    assert ledger.read("releases/REL-2026-0006/release.yaml") == before
