"""The CLI's help text: each command's summary repeated atop its `--help`, a description of
every option, an example per command, the TIME format and the exit codes. `cli` builds the
parser and calls `teach` on it; the states and event types listed come from the lifecycle
tables and the packaged schemas, so help never drifts from what the tool accepts."""

from __future__ import annotations

import argparse
import functools
import json
from importlib import resources
from typing import Any

from opsledger import lifecycle

TIME = ("TIME is RFC 3339 with an offset, e.g. 2026-11-27T14:05:00+01:00 "
        "(or ...Z for UTC); the default is now.")
EXIT_CODES = "exit codes: 0 clean, 1 problems found, 2 could not run (bad arguments, no ledger)."
GATE_EXIT = ("exit codes: 0 the version may ship now, 1 it may not (the reason is printed), "
             "2 could not run. Deploy jobs stop on anything but 0.")
DUE_EXIT = ("exit codes: 0 nothing overdue, 1 something is overdue (listed), 2 could not run; "
            "a scheduled job fails, and so notifies, while anything is overdue.")
SEVERITY = ("SEV1 (most severe) .. SEV4, or SEV? while the severity is not known yet (allowed "
            "only in triage; leaving triage needs a real one, and SEV? never comes back)")

# Options the parser declares without help, described here by (command, dest).
OPTIONS: dict[tuple[str, str], str] = {
    ("validate", "paths"): "files or directories to validate (default: the whole ledger)",
    ("validate", "format"): "text for people; json, github (workflow annotations), sarif or "
                            "markdown",
    ("check", "base"): "the commit the pull request merges into (its policy is trusted)",
    ("check", "head"): "the commit to judge (default: HEAD)",
    ("check", "now"): "judge windows and freezes at TIME (default: now)",
    ("check", "format"): "text, json, github (workflow annotations), sarif or markdown",
    ("audit", "start"): "replay from this commit (default: the first)",
    ("audit", "end"): "replay up to this commit (default: HEAD)",
    ("audit", "format"): "text, json, github, sarif or markdown",
    ("audit", "jobs"): "processes replaying stretches of history side by side (default: one "
                       "a CPU, at most 4; a history under 300 commits is replayed in one)",
    ("new", "kind"): "release (a draft release request) or incident (in triage)",
    ("new", "title"): "one line: what ships, or what is broken",
    ("new", "risk"): "release: low, medium, high or critical (decides the sign-offs needed)",
    ("new", "change_type"): "release: standard, normal or emergency",
    ("new", "severity"): f"incident: {SEVERITY}",
    ("new", "incident_type"): "incident: incident (default), security or data; the type adds "
                              "the roles and notifications the policy's response plan names",
    ("new", "mode"): "incident: real, or drill / test (kept out of metrics)",
    ("new", "commander"): "incident: who commands it (one who holds incident_commander in "
                          "opsledger.yaml; default: you, if you hold it, else nobody yet)",
    ("new", "person"): "who requests or declares it (default: the person with git's user.email)",
    ("renumber", "old"): "the record's current id, e.g. REL-2026-0011",
    ("renumber", "new"): "the id to give it, e.g. REL-2026-0012",
    ("show", "record_id"): "a record id, e.g. REL-2026-0004 or INC-2026-0001",
    ("digest", "record_id"): "a record id, e.g. REL-2026-0004",
    ("sign", "record_id"): "the record to sign off, e.g. REL-2026-0004",
    ("sign", "role"): "the role you sign for (one you hold in opsledger.yaml)",
    ("sign", "person"): "who signs (default: the person with git's user.email)",
    ("sign", "key"): "your private SSH key, e.g. ~/.ssh/id_ed25519 (not the .pub); "
                     "default: git's user.signingkey",
    ("sign", "decision"): "approve (default), reject, revoke (withdraw an earlier decision) "
                          "or cancel",
    ("sign", "comment"): "a note kept with the sign-off",
    ("sign-trust-root", "person"): "who approves (default: the person with git's user.email)",
    ("sign-trust-root", "key"): "your private SSH key (not the .pub); default: git's "
                                "user.signingkey",
    ("record-reviews", "head"): "the pull request's commit (default: HEAD)",
    ("record-reviews", "now"): "judge at TIME (default: now)",
    ("status", "record_id"): "the record to move, e.g. REL-2026-0004",
    ("status", "new_state"): "the state to move to (listed above)",
    ("status", "note"): "text for the timeline event the change adds",
    ("status", "person"): "who makes the change (default: the person with git's user.email)",
    ("status", "now"): "when it happened (default: now)",
    ("log", "record_id"): "the record, e.g. INC-2026-0001",
    ("log", "text"): "what happened (Markdown)",
    ("log", "at"): "when it happened (default: now)",
    ("log", "person"): "who records it (default: the person with git's user.email)",
    ("log", "important"): "incident: highlight the event on the site's timeline",
    ("metrics", "format"): "text or json",
    ("due", "now"): "what is overdue at TIME (default: now)",
    ("gate", "system"): "the service id from the catalog in opsledger.yaml",
    ("gate", "version"): "the version about to be deployed",
    ("gate", "now"): "may it ship at TIME (default: now)",
    ("codeowners", "write"): "write .github/CODEOWNERS instead of printing it",
    ("pages", "out"): "the directory to write (replaced): hand-written and generated pages",
    ("pages", "docs"): "the hand-written pages (mkdocs.yml's docs_dir; default: site)",
    ("pages", "language"): "the site's language, as theme.language (default: en)",
    ("init", "directory"): "where to make the ledger (default: the current directory); "
                           "git init'ed unless it is inside a repository",
}

EXAMPLES: dict[str, str] = {
    "validate": "opsledger validate\n  opsledger validate releases/REL-2026-0004 --format github",
    "check": "opsledger check --base main\n  opsledger check --base origin/main --head HEAD "
             "--pr 42 --reviews reviews.json --format github",
    "audit": "opsledger audit\n  opsledger audit --from main --reviews reviews/\n"
             "  opsledger audit --jobs 1",
    "new": 'opsledger new release --title "Search 1.9" --system search --version 1.9.0 '
           '--risk medium\n  opsledger new incident --title "Checkout errors" '
           "--service payments-api --severity SEV2",
    "renumber": "opsledger renumber REL-2026-0011 REL-2026-0012",
    "show": "opsledger show REL-2026-0005",
    "digest": "opsledger digest INC-2026-0001 --gate close --explain",
    "sign": "opsledger sign REL-2026-0004 --role qa --key ~/.ssh/id_ed25519\n"
            '  opsledger sign REL-2026-0004 --role qa --decision reject --comment "no load test"',
    "sign-trust-root": "opsledger sign-trust-root --rev origin/policy-change --key "
                       "~/.ssh/id_ed25519 --out approvals/heidi.yaml",
    "record-reviews": "opsledger record-reviews --pr 42 --reviews reviews.json --base main\n"
                      "  (reviews.json: gh api repos/OWNER/REPO/pulls/42/reviews)",
    "status": 'opsledger status REL-2026-0004 submitted\n  opsledger status INC-2026-0003 '
              'mitigated --note "Traffic moved to the standby" --now 2026-11-26T10:40:00+01:00',
    "log": 'opsledger log INC-2026-0003 "Status page updated" --type communication',
    "metrics": "opsledger metrics --format json",
    "due": "opsledger due",
    "gate": "opsledger gate --system payments-api --version 4.2.0 || exit 1",
    "codeowners": "opsledger codeowners --write",
    "init": "opsledger init ops-ledger",
    "pages": "opsledger pages build/docs && zensical build -f zensical.yml",
}

NEEDS_TIME = ("check", "status", "log", "due", "gate", "sign", "sign-trust-root",
              "record-reviews")


def teach(parser: argparse.ArgumentParser, version: str) -> None:
    """Fill in the help `parser` was declared with (see the module docstring)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("Run `opsledger COMMAND --help` for a command's options and an example."
                     f"\n{EXIT_CODES}")
    parser.add_argument("--version", action="version", version=f"opsledger {version}",
                        help="print the version and exit")
    for name, summary, sub in _subcommands(parser):
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        sub.description = _description(name, summary)
        sub.epilog = _epilog(name)
        for action in sub._actions:
            if action.help is None and action.dest != "help":
                action.help = OPTIONS.get((name, action.dest))


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, Any]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {a.dest: a.help or "" for a in action._choices_actions}
            found += [(name, summaries.get(name, ""), sub) for name, sub in action.choices.items()]
    return found


def _description(name: str, summary: str) -> str:
    text = summary[:1].upper() + summary[1:]
    text += "" if text.endswith(("?", ".")) else "."
    if name == "status":
        text += ("\n\nrelease states: " + ", ".join(lifecycle.states("release")) +
                 "\nincident states: " + ", ".join(lifecycle.states("incident")) +
                 "\n`opsledger show ID` lists the states a record may move to next.")
    if name == "log":
        text += ("\n\nevent types (--type, default note):\n  release: " +
                 ", ".join(event_types("release")) + "\n  incident: " +
                 ", ".join(event_types("incident")))
    if name == "new":
        text += f"\n\nseverity: {SEVERITY}."
    return text


def _epilog(name: str) -> str:
    parts = [f"example:\n  {EXAMPLES[name]}"] if name in EXAMPLES else []
    if name in NEEDS_TIME:
        parts.append(TIME)
    parts.append({"gate": GATE_EXIT, "due": DUE_EXIT}.get(name, EXIT_CODES))
    return "\n\n".join(parts)


@functools.cache
def event_types(kind: str) -> tuple[str, ...]:
    """The timeline event types a record of `kind` may hold, as its packaged schema lists
    them (read as JSON: help and `log` need no schema validator)."""
    schema = json.loads(resources.files("opsledger").joinpath(
        f"schemas/{kind}.schema.json").read_text())
    return tuple(schema["properties"]["timeline"]["items"]["properties"]["type"]["enum"])
