"""The command line: parses arguments, calls one command, prints, sets the exit code.
Nothing else in opsledger prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from opsledger import __version__
from opsledger.clihelp import teach
from opsledger.escape import safe
from opsledger.problems import FatalError, Outcome
from opsledger.reporters import FORMATS

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
    p.add_argument("--reviews", metavar="FILE", help="the pull request's reviews (GitHub's "
                   "JSON); with --pr")
    p.add_argument("--pr", type=int, metavar="N", help="the pull request's number")
    p.add_argument("--approvals", metavar="DIR", help="SSH-signed approvals of a trust-root "
                   "change (`opsledger sign-trust-root`), for ledgers off GitHub")
    p.add_argument("--now", metavar="TIME")
    p.add_argument("--format", choices=FORMAT_NAMES, default="text")

    p = sub.add_parser("audit", help="replay history, checking every commit")
    p.add_argument("--from", dest="start", metavar="REV")
    p.add_argument("--to", dest="end", default="HEAD", metavar="REV")
    p.add_argument("--reviews", metavar="DIR", help="<PR number>.json: each merged pull "
                   "request's reviews, to verify trust-root changes")
    p.add_argument("--approvals", metavar="DIR", help="SSH-signed trust-root approvals "
                   "(`opsledger sign-trust-root`), matched by the tree they approve")
    p.add_argument("--jobs", type=int, metavar="N")
    p.add_argument("--format", choices=FORMAT_NAMES, default="text")

    p = sub.add_parser("new", help="start a release request or an incident")
    p.add_argument("kind", choices=("release", "incident"))
    p.add_argument("--title")
    p.add_argument("--system", help="release: the system (service id)")
    p.add_argument("--version", metavar="VERSION", help="release: version")
    p.add_argument("--risk", choices=("low", "medium", "high", "critical"))
    p.add_argument("--change-type", choices=("standard", "normal", "emergency"))
    p.add_argument("--severity", choices=("SEV1", "SEV2", "SEV3", "SEV4", "SEV?"))
    p.add_argument("--service", action="append", help="incident: affected service (repeat)")
    p.add_argument("--mode", choices=("real", "drill", "test"))
    p.add_argument("--type", dest="incident_type", choices=("incident", "security", "data"))
    p.add_argument("--commander", metavar="PERSON")
    p.add_argument("--as", dest="person", metavar="PERSON")

    p = sub.add_parser("renumber", help="give a record not merged yet a free id")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument("--base", default="main", metavar="REV",
                   help="the branch this one merges into (default: main)")

    p = sub.add_parser("show", help="state, next states and sign-offs of one record")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("--now", metavar="TIME", help="judge deadlines at this time (default: now)")

    p = sub.add_parser("digest", help="the digest a sign-off must carry")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("--explain", action="store_true", help="also print the hashed JSON")
    p.add_argument("--gate", help="the gate whose scope to hash (default: approval for a "
                   "release, close for an incident; "
                   "release: approval, emergency, review, cancel; incident: close, reopen, "
                   "downgrade, decline, cancel, merged:ID)")

    p = sub.add_parser("sign", help="sign off a record for a role")
    p.add_argument("record_id", metavar="ID")
    p.add_argument("--role", required=True)
    p.add_argument("--as", dest="person", metavar="PERSON")
    p.add_argument("--key", metavar="FILE")
    p.add_argument("--decision", choices=("approve", "reject", "revoke", "cancel"),
                   default="approve")
    p.add_argument("--gate", help="the gate this decision is for (default: the record's next "
                   "gated step; release: approval, emergency, review, cancel; incident: close, "
                   "reopen, downgrade, decline, cancel, merged:ID)")
    p.add_argument("--comment")
    p.add_argument("--at", metavar="TIME", help="signing time (default: now)")

    p = sub.add_parser("sign-trust-root", help="approve a trust-root change with an SSH "
                       "signature (ledgers off GitHub)")
    p.add_argument("--rev", default="HEAD", help="the commit whose trust root you approve "
                   "(default: HEAD)")
    p.add_argument("--as", dest="person", metavar="PERSON")
    p.add_argument("--key", metavar="FILE")
    p.add_argument("--out", metavar="FILE", help="write the approval here (default: print it)")
    p.add_argument("--base", default="main", metavar="REV", help="the branch the change "
                   "merges into (default: main): the approval is for this change from it")
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
    p.add_argument("--type", dest="event_type", default="note", metavar="TYPE",
                   help="the event type (see above; default: note)")
    p.add_argument("--at", metavar="TIME")
    p.add_argument("--as", dest="person", metavar="PERSON")
    p.add_argument("--important", action="store_true")
    p.add_argument("--to", metavar="WHO", help="with --type notification: who was told "
                   "(e.g. legal_counsel, management, regulator)")
    p.add_argument("--via", metavar="HOW", help="with --type notification: how (phone, "
                   "e-mail, ...)")

    p = sub.add_parser("metrics", help="MTTx by severity and period, DORA four keys")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("due", help="overdue obligations")
    p.add_argument("--now", metavar="TIME")

    p = sub.add_parser("gate", help="may this version ship now?")
    p.add_argument("--system", required=True)
    p.add_argument("--version", required=True, metavar="VERSION")
    p.add_argument("--now", metavar="TIME")

    p = sub.add_parser("codeowners", help="CODEOWNERS from the policy")
    p.add_argument("--write", action="store_true")

    p = sub.add_parser("record-reviews", help="sign-off files from a pull request's "
                       "approving reviews")
    p.add_argument("--pr", type=int, required=True, metavar="N", help="the pull request's number")
    p.add_argument("--reviews", required=True, metavar="FILE", help="its reviews (GitHub's "
                   "JSON: GET /repos/{owner}/{repo}/pulls/{N}/reviews)")
    p.add_argument("--base", default="main", metavar="REV",
                   help="the branch it merges into (default: main)")
    p.add_argument("--head", default="HEAD", metavar="REV")
    p.add_argument("--now", metavar="TIME")

    p = sub.add_parser("init", help="make a new ledger: policy, schemas, site, gate "
                       "workflows, pre-commit and editor settings")
    p.add_argument("directory", nargs="?", default=".", metavar="DIR")
    p.add_argument("--requirement", metavar="SPEC", help="how the ledger's workflows and "
                   "pre-commit hook install opsledger (default: opsledger==this version), e.g. "
                   "'opsledger @ git+https://github.com/ORG/opsledger@v0.1.0'")
    p = sub.add_parser("pages", help="the site's pages as files, for a builder that runs no "
                       "MkDocs plugin (Zensical)")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--docs", default="site", metavar="DIR")
    p.add_argument("--language", metavar="LANG")
    teach(parser, __version__)
    return parser


def _run(args: argparse.Namespace) -> Outcome:
    # Each command module is imported only when it runs: start-up is most of a small check.
    a = args
    match a.command:
        case "validate":
            from opsledger.commands import validate
            return validate.run(paths=a.paths, format=a.format)
        case "check":
            from opsledger.commands import check
            return check.run(base=a.base, head=a.head, reviews=a.reviews, pr=a.pr, now=a.now,
                             format=a.format, approvals=a.approvals)
        case "audit":
            from opsledger.commands import audit
            return audit.run(start=a.start, end=a.end, reviews=a.reviews, format=a.format,
                             approvals=a.approvals, jobs=a.jobs)
        case "new":
            from opsledger.commands import new
            return new.run(kind=a.kind, title=a.title, system=a.system, version=a.version,
                           risk=a.risk, change_type=a.change_type, severity=a.severity,
                           service=a.service, mode=a.mode, person=a.person,
                           incident_type=a.incident_type, commander=a.commander)
        case "renumber":
            from opsledger.commands import renumber
            return renumber.run(old=a.old, new=a.new, base=a.base)
        case "show":
            from opsledger.commands import show
            return show.run(record_id=a.record_id, now=a.now)
        case "digest":
            from opsledger.commands import digest
            return digest.run(record_id=a.record_id, explain=a.explain, gate=a.gate)
        case "sign":
            from opsledger.commands import sign
            return sign.run(record_id=a.record_id, role=a.role, person=a.person, key=a.key,
                            decision=a.decision, comment=a.comment, at=a.at, gate=a.gate)
        case "sign-trust-root":
            from opsledger.commands import sign_trust_root
            return sign_trust_root.run(rev=a.rev, person=a.person, key=a.key, out=a.out,
                                       at=a.at, base=a.base)
        case "status":
            from opsledger.commands import status
            return status.run(record_id=a.record_id, new_state=a.new_state, note=a.note,
                              person=a.person, now=a.now)
        case "log":
            from opsledger.commands import log
            return log.run(record_id=a.record_id, text=a.text, event_type=a.event_type,
                           at=a.at, person=a.person, important=a.important, to=a.to,
                           via=a.via)
        case "metrics":
            from opsledger.commands import metrics
            return metrics.run(format=a.format)
        case "due":
            from opsledger.commands import due
            return due.run(now=a.now)
        case "gate":
            from opsledger.commands import gate
            return gate.run(system=a.system, version=a.version, now=a.now)
        case "codeowners":
            from opsledger.commands import codeowners
            return codeowners.run(write=a.write)
        case "record-reviews":
            from opsledger.commands import record_reviews
            return record_reviews.run(pr=a.pr, reviews=a.reviews, base=a.base, head=a.head,
                                      now=a.now)
        case "init":
            from opsledger.commands import init
            return init.run(directory=a.directory, requirement=a.requirement)
        case "pages":
            from opsledger.commands import pages
            return pages.run(out=a.out, docs=a.docs, language=a.language)
    raise FatalError(f"unknown command {a.command!r}")


def _terminal(text: str) -> str:
    """Every line escaped: nothing a record holds reaches the terminal as a control code."""
    return "\n".join(safe(line) for line in text.split("\n"))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error
        return 0 if exc.code == 0 else 2
    try:
        outcome = _run(args)
    except FatalError as exc:
        print(f"opsledger: error: {safe(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if outcome.output:
        print(_terminal(outcome.output))
    if outcome.note:
        print(_terminal(outcome.note), file=sys.stderr)
    return outcome.code


def console() -> None:
    try:
        sys.exit(main())
    except BrokenPipeError:  # `opsledger ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        sys.exit(0)
