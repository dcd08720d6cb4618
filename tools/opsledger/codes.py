"""Stable problem codes, the source of truth for the README's "Problem codes" table:
`python -m opsledger.codes` prints that table as Markdown, to replace the README's after a
change here (tools/tests/test_codes.py fails while the two differ)."""

CODES: dict[str, str] = {
    "OL001": "file cannot be read: too large, not UTF-8, or has a byte-order mark",
    "OL002": "YAML syntax error",
    "OL003": "duplicate key",
    "OL004": "anchor or alias (not allowed: a reviewer must see every value where it is used)",
    "OL005": "merge key `<<`",
    "OL006": "key that is not a string",
    "OL007": "explicit YAML tag",
    "OL008": "nesting deeper than 32 levels",
    "OL009": "control, bidi or zero-width character",
    "OL010": "document is not a single mapping",
    "OL020": "unexpected file or directory in the ledger",
    "OL021": "symbolic link or submodule in the ledger",
    "OL022": "directory name is not a valid id",
    "OL023": "record directory without its record file",
    "OL024": "sign-off file name is not <role>--<person>[--N].yaml",
    "OL101": "schema violation",
    "OL102": "not a real RFC 3339 time with an offset",
    "OL103": "field required by the record's status",
    "OL110": "id does not equal its directory name",
    "OL111": "id used by more than one record",
    "OL120": "unknown service",
    "OL121": "unknown person",
    "OL122": "unknown role",
    "OL123": "reference to a release that does not exist",
    "OL124": "reference to an incident that does not exist",
    "OL125": "cross-link not returned by the linked record",
    "OL130": "timestamps out of order",
    "OL131": "window ends before it starts",
    "OL140": "role required by the severity is not filled",
    "OL141": "role required by the incident type is not filled",
    "OL142": "drill scenario not in the policy's drill programme",
    "OL150": "sign-off does not match its file name or record",
    "OL151": "sign-off by a person who does not hold the role (or as requester, not by the "
             "release's requester or not a cancel)",
    "OL160": "policy problem",
    "OL201": "status change not allowed by the lifecycle",
    "OL202": "id changed",
    "OL203": "record deleted or renamed",
    "OL204": "timeline event edited or removed",
    "OL205": "sign-off file edited or removed",
    "OL206": "timestamp cleared or changed without a correction event",
    "OL207": "record in a terminal state changed",
    "OL208": "approved release changed without going back to submitted",
    "OL209": "implementation started outside the release window",
    "OL210": "implementation started inside a freeze window",
    "OL211": "trust root changed together with records",
    "OL212": "reopen without a reason",
    "OL213": "incident mode changed (mode never changes after creation)",
    "OL214": "severity set back to SEV? (only before the first assessment)",
    "OL215": "trust-root change without the approval the base policy names",
    "OL216": "postmortem requirement withdrawn",
    "OL217": "key removed, moved, or retired in a way that breaks merged sign-offs",
    "OL218": "incident closed with an owed notification neither made nor waived",
    "OL301": "sign-off signature invalid or made by a key not registered for the person",
    "OL302": "sign-off is stale: the record changed after it was signed",
    "OL303": "required sign-off missing",
    "OL304": "sign-off rejected the record",
    "OL305": "sign-off by the requester or the executor",
    "OL306": "pull-request review evidence does not hold",
    "OL307": "sign-off evidence of a kind the policy does not accept",
    "OL308": "sign-off files out of sequence",
    "OL320": "approving review not recorded as a sign-off yet (warning: run record-reviews)",
    "OL321": "approving review no longer counts: the reviewed commit left the pull request or "
             "the record changed since (warning: approve again)",
}


def markdown_table() -> str:
    """The README's table: one row per code, in the order above."""
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| `{code}` | {_markdown_cell(meaning)} |" for code, meaning in CODES.items()]
    return "\n".join(rows) + "\n"


def _markdown_cell(text: str) -> str:
    # Outside `code spans` <role> would be read as an HTML tag and vanish when rendered; a bare
    # | ends a table cell even inside a code span (GitHub's table rules).
    parts = text.split("`")
    for index in range(0, len(parts), 2):
        parts[index] = parts[index].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts).replace("|", "\\|")


if __name__ == "__main__":
    print(markdown_table(), end="")
