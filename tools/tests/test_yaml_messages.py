"""A YAML mistake is reported where it is, in the user's terms, with the fix: through
`opsledger validate` on a real ledger, one line naming file, line and column."""

from __future__ import annotations

import pytest
from conftest import GitLedger

from opsledger.cli import main

RELEASE = "releases/REL-2026-0004/release.yaml"


def validate_line(capsys: pytest.CaptureFixture[str], path: str) -> str:
    assert main(["validate"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith(path)]
    return line


def line_of(ledger: GitLedger, path: str, text: str) -> int:
    return ledger.read(path).split("\n").index(text) + 1


def test_an_unclosed_quote_is_reported_where_it_opens(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(RELEASE, "\nversion: ", '\nversion: "')
    number = next(n for n, x in enumerate(ledger.read(RELEASE).split("\n"), 1)
                  if x.startswith('version: "'))
    reported = validate_line(capsys, RELEASE)
    assert reported.startswith(f"{RELEASE}:{number}:10: error OL002"), reported
    assert 'the " opened here is not closed on its line' in reported
    assert 'add the closing "' in reported


def test_a_colon_in_a_value_says_to_quote_it(ledger: GitLedger,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(RELEASE, "\ntitle: Orders database", "\ntitle: Orders: database")
    reported = validate_line(capsys, RELEASE)
    assert f"{RELEASE}:2:" in reported
    assert "quote the whole value: title: \"Orders: database — partition" in reported


def test_one_space_too_many_names_the_indentation(ledger: GitLedger,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(RELEASE, "\n  user_facing:", "\n   user_facing:")
    number = line_of(ledger, RELEASE, next(x for x in ledger.read(RELEASE).split("\n")
                                           if x.startswith("   user_facing:")))
    reported = validate_line(capsys, RELEASE)
    assert reported.startswith(f"{RELEASE}:{number}:"), reported
    assert "indent" in reported and "2 spaces" in reported, reported
    assert "mapping values are not allowed" not in reported


def test_a_dedented_nested_key_names_the_first_and_suggests_indenting(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    text = ledger.read(RELEASE)
    summary = line_of(ledger, RELEASE, "summary: |")
    # `testing.summary` written one level too far left lands beside the top-level summary.
    ledger.write(RELEASE, text.replace("\ntesting:\n  summary:", "\ntesting:\nsummary:", 1))
    reported = validate_line(capsys, RELEASE)
    assert f"duplicate key 'summary' (first at line {summary})" in reported, reported
    assert "if it belongs under 'testing'" in reported and "indent it" in reported


def test_a_list_item_with_a_colon_says_it_became_a_mapping(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(RELEASE, "\n  - Move rows in batches", "\n  - Also: move rows in batches")
    reported = validate_line(capsys, RELEASE)
    assert "changes.1: this item became a mapping" in reported, reported
    assert 'quote it: - "Also: move rows in batches' in reported
