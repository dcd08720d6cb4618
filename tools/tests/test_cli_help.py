"""Help that teaches: every option described, each command's summary atop its own help, an
example, the TIME format and the exit codes; the states and event types a user may type."""

from __future__ import annotations

import argparse

import pytest

from opsledger import __version__
from opsledger.cli import _parser, main
from opsledger.lifecycle import INCIDENT_EDGES, RELEASE_EDGES


def commands() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([command, "--help"]) == 0
    return capsys.readouterr().out


def test_every_option_of_every_command_is_described() -> None:
    for name, sub in commands().items():
        for action in sub._actions:
            assert action.help, f"opsledger {name}: {action.dest} has no help"


def test_each_command_repeats_its_summary_and_shows_an_example_and_exit_codes(
        capsys: pytest.CaptureFixture[str]) -> None:
    [action] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    summaries = {a.dest: str(a.help) for a in action._choices_actions}
    for name in commands():
        text = help_of(name, capsys)
        summary = summaries[name]
        assert summary[:1].upper() + summary[1:] in " ".join(text.split()), name
        assert f"example:\n  opsledger {name}" in text, name
        assert "exit codes: 0" in text, name


def test_status_lists_both_lifecycles_and_log_the_event_types(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of("status", capsys)
    for state in [*RELEASE_EDGES, *INCIDENT_EDGES, "closed", "rolled_back", "merged"]:
        assert state in text, state
    text = help_of("log", capsys)
    assert "deploy_step" in text and "severity_change" in text
    assert "TIME is RFC 3339 with an offset" in text


def test_gate_and_due_explain_their_exit_codes_for_pipelines(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert "1 it may not" in help_of("gate", capsys)
    assert "1 something is overdue" in help_of("due", capsys)
    assert "SEV? while the severity is not known yet" in help_of("new", capsys)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"opsledger {__version__}"
