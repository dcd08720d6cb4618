"""The command line: parses arguments, calls one command, prints, sets the exit code.
Nothing else in opsledger prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from opsledger import commands
from opsledger.problems import FatalError
from opsledger.reporters import FORMATS, safe

FORMAT_NAMES = tuple(FORMATS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsledger", description="Release requests and "
                                     "incidents as reviewed YAML in git.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check one state of the ledger")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--format", choices=FORMAT_NAMES, default="text")

    p = sub.add_parser("check", help="check a pull request: base -> head")
    p.add_argument("--base", required=True)
    p.add_argument("--head", default="HEAD")
    p.add_argument("--reviews", metavar="FILE")
    p.add_argument("--now", metavar="TIME")
    p.add_argument("--format", choices=FORMAT_NAMES, default="text")

    p = sub.add_parser("audit", help="replay history, checking every commit")
    p.add_argument("--from", dest="start", metavar="REV")
    p.add_argument("--to", dest="end", default="HEAD", metavar="REV")
    p.add_argument("--format", choices=FORMAT_NAMES, default="text")

    p = sub.add_parser("new", help="start a release request or an incident")
    p.add_argument("kind", choices=("release", "incident"))
    p.add_argument("--title")
    p.add_argument("--system", help="release: the system (service id)")
    p.add_argument("--version", dest="version_", metavar="VERSION", help="release: version")
    p.add_argument("--risk", choices=("low", "medium", "high", "critical"))
    p.add_argument("--change-type", choices=("standard", "normal", "emergency"))
    p.add_argument("--severity", choices=("SEV1", "SEV2", "SEV3", "SEV4", "SEV?"))
    p.add_argument("--service", action="append", help="incident: affected service (repeat)")
    p.add_argument("--mode", choices=("real", "drill", "test"))
    p.add_argument("--as", dest="person", metavar="PERSON")

    p = sub.add_parser("show", help="state, next states and sign-offs of one record")
    p.add_argument("record_id", metavar="ID")

    p = sub.add_parser("digest", help="the digest a sign-off must carry")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("--explain", action="store_true", help="also print the hashed JSON")

    p = sub.add_parser("sign", help="sign off a record for a role")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("--role", required=True)
    p.add_argument("--as", dest="person", metavar="PERSON")
    p.add_argument("--key", metavar="FILE")
    p.add_argument("--decision", choices=("approve", "reject", "revoke"), default="approve")
    p.add_argument("--comment")
    p.add_argument("--at", metavar="TIME", help="signing time (default: now)")

    p = sub.add_parser("status", help="move a record to a new state")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("new_state", metavar="NEW_STATE")
    p.add_argument("--note")
    p.add_argument("--as", dest="person", metavar="PERSON")
    p.add_argument("--now", metavar="TIME")

    p = sub.add_parser("log", help="append a timeline event")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--type", dest="event_type", default="note")
    p.add_argument("--at", metavar="TIME")
    p.add_argument("--as", dest="person", metavar="PERSON")
    p.add_argument("--important", action="store_true")

    p = sub.add_parser("metrics", help="MTTx by severity and period, DORA four keys")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("due", help="overdue obligations")
    p.add_argument("--now", metavar="TIME")

    p = sub.add_parser("gate", help="may this version ship now?")
    p.add_argument("--system", required=True)
    p.add_argument("--version", dest="version_", required=True, metavar="VERSION")
    p.add_argument("--now", metavar="TIME")

    p = sub.add_parser("codeowners", help="CODEOWNERS from the policy")
    p.add_argument("--write", action="store_true")

    p = sub.add_parser("init", help="scaffold a new, empty ledger")
    p.add_argument("directory", nargs="?", default=".", metavar="DIR")
    return parser


def _dispatch(args: argparse.Namespace) -> commands.Outcome:
    handler: Callable[..., commands.Outcome] = getattr(commands, args.command)
    options: dict[str, Any] = {k: v for k, v in vars(args).items() if k != "command"}
    return handler(**options)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error
        return 0 if exc.code == 0 else 2
    try:
        outcome = _dispatch(args)
    except FatalError as exc:
        print(f"opsledger: error: {safe(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if outcome.output:
        print(outcome.output)
    if outcome.note:
        print(outcome.note, file=sys.stderr)
    return outcome.code


def console() -> None:
    sys.exit(main())
