"""The ledger's layout: which files are records, sign-offs and postmortems, and what
does not belong."""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from opsledger import ids
from opsledger.escape import safe
from opsledger.lifecycle import Kind
from opsledger.loader import Document, LoadError, invisible_characters, invisible_positions, load
from opsledger.problems import Problem
from opsledger.tree import Entry, TooLarge, Tree
from opsledger.wording import a

ALLOWED_AT_TOP = {".gitkeep", "README.md"}


@dataclass
class Signoff:
    path: str
    name: ids.SignoffName
    doc: Document | None


@dataclass
class Record:
    kind: Kind
    id: str
    path: str
    doc: Document | None
    postmortem: bytes | None = None
    signoffs: list[Signoff] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data if self.doc else {}

    def mapping(self, key: str) -> dict[str, Any]:
        """A top-level mapping field; a value of another shape (a record that failed
        validation) reads as absent, so that reports over it do not crash."""
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def directory(self) -> str:
        return self.path.rsplit("/", 1)[0]


@dataclass
class Ledger:
    records: dict[str, Record] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in ids.KINDS})
    problems: list[Problem] = field(default_factory=list)


def read_document(tree: Tree, path: str) -> Document | Problem:
    try:
        document: Document = tree.parsed(path, load)
    except LoadError as exc:
        return exc.problem
    except TooLarge as exc:
        return Problem(path, 1, 1, "OL001", f"{exc}; it was not read")
    return document


def _release_id(name: str) -> bool:
    return ids.kind_of(name) == "release"


def _incident_id(name: str) -> bool:
    return ids.kind_of(name) == "incident"


# Named functions, not lambdas: a commit tree keeps what each one accepted by its name.
_ID_OF = {"release": _release_id, "incident": _incident_id}


def list_ids(tree: Tree, ledger: Ledger) -> None:
    """Every record directory name (cheap: directory listings only)."""
    for kind, top in ids.KINDS.items():
        for entry in tree.entries(top):
            if entry.kind == "dir" and ids.kind_of(entry.name) == kind:
                ledger.ids[kind].add(entry.name)


def scan(tree: Tree, only: Iterable[str] | None = None) -> Ledger:
    """Read the ledger; with `only`, read just those record ids (the rest are listed)."""
    # Thousands of parsed documents held at once make the collector rescan them after every
    # few allocations (30-85% of load time); nothing loaded here forms a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(tree, only)
    finally:
        if enabled:
            gc.enable()


def _scan(tree: Tree, only: Iterable[str] | None) -> Ledger:
    ledger = Ledger()
    wanted = set(only) if only is not None else None
    for kind, top in ids.KINDS.items():
        if wanted is not None:
            # The others are listed only: their ids are taken if they are record directories
            # (no layout problem is reported for them, so none is worked out; a check of 12
            # records in a ledger of 10,000 skips 9,988 of them here).
            ledger.ids[kind].update(tree.subdirs(top, _ID_OF[kind]))
            listing = [Entry(name, found) for name in sorted(wanted & tree.names(top))
                       if (found := tree.kind(f"{top}/{name}")) is not None]
        else:
            listing = tree.entries(top)
        for entry in listing:
            if entry.kind == "file" and entry.name in ALLOWED_AT_TOP:
                continue
            problem = _layout_problem(top, entry.name, entry.kind, kind)
            if problem:
                ledger.problems.append(problem)
                continue
            ledger.ids[kind].add(entry.name)
            record, problems = tree.remembered(("record", kind, entry.name),
                                               functools.partial(read_record, tree, kind,
                                                                 entry.name))
            ledger.records[entry.name] = record
            ledger.problems += problems
    return ledger


def _layout_problem(top: str, name: str, kind: str, expected: Kind) -> Problem | None:
    path = f"{top}/{safe(name)}"
    if kind in ("link", "submodule", "other"):
        what = {"link": "symbolic link", "submodule": "submodule"}.get(kind, "special file")
        return Problem(path, None, None, "OL021", f"{what} in the ledger; only regular files "
                       "and directories count (its target is not read)")
    if invisible_characters(name):
        return Problem(path, None, None, "OL009",
                       f"name contains invisible or control characters "
                       f"({', '.join(invisible_characters(name))}); rename it")
    if kind == "file":
        return Problem(path, None, None, "OL020", f"stray file; records live in "
                       f"{top}/<ID>/{expected}.yaml")
    if ids.kind_of(name) != expected:
        prefix = ids.PREFIX[expected]
        return Problem(path, None, None, "OL022", f"directory name is not {a(expected)} id "
                       f"({prefix}-YYYY-NNNN)")
    return None


def read_record(tree: Tree, kind: Kind, record_id: str) -> tuple[Record, list[Problem]]:
    directory = f"{ids.KINDS[kind]}/{record_id}"
    path = f"{directory}/{kind}.yaml"
    record = Record(kind, record_id, path, None)
    problems: list[Problem] = []
    for entry in tree.entries(directory):
        entry_path = f"{directory}/{safe(entry.name)}"
        if entry.kind in ("link", "submodule", "other"):
            problems.append(Problem(entry_path, None, None, "OL021", "symbolic link, submodule "
                                    "or special file in a record; only regular files count"))
        elif entry.name == f"{kind}.yaml" and entry.kind == "file":
            loaded = read_document(tree, path)
            if isinstance(loaded, Problem):
                problems.append(loaded)
            else:
                record.doc = loaded
        elif entry.name == "postmortem.md" and kind == "incident" and entry.kind == "file":
            record.postmortem, problem = _read_text(tree, entry_path)
            problems += [problem] if problem else []
        elif entry.name == "signoffs" and entry.kind == "dir":
            record.signoffs, found = read_signoffs(tree, f"{directory}/signoffs")
            problems += found
        else:
            problems.append(Problem(entry_path, None, None, "OL020", "unexpected file in a "
                                    f"record; allowed: {_allowed(kind)}"))
    if record.doc is None and not any(p.path == path for p in problems):
        problems.append(Problem(directory, None, None, "OL023", f"missing {kind}.yaml"))
    return record, problems


def _allowed(kind: str) -> str:
    extra = ", postmortem.md" if kind == "incident" else ""
    return f"{kind}.yaml{extra}, signoffs/"


def _read_text(tree: Tree, path: str) -> tuple[bytes | None, Problem | None]:
    try:
        raw = tree.read(path)
        text = raw.decode("utf-8")
    except TooLarge as exc:
        return None, Problem(path, 1, 1, "OL001", f"{exc}; it was not read")
    except UnicodeDecodeError:
        return None, Problem(path, 1, 1, "OL001", "not UTF-8; save the file as UTF-8")
    hidden = _hidden_character(path, text)
    return (None, hidden) if hidden else (raw, None)


def _hidden_character(path: str, text: str) -> Problem | None:
    """The first character a record's values may not hold either (bidi overrides that
    reorder what a reviewer reads, terminal escapes): the site shows the text as written.
    Tabs and line ends are allowed, a carriage return only as part of CRLF."""
    text = text.replace("\r\n", "\n")  # a CR before LF sits at a line's end: columns hold
    found = invisible_positions(text)
    if not found:
        return None
    offset, name = found[0]
    line, col = text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
    return Problem(path, line, col, "OL009", f"character {name} is not allowed (control, "
                   "bidi or zero-width); delete it")


def read_signoffs(tree: Tree, directory: str) -> tuple[list[Signoff], list[Problem]]:
    found, problems = [], []
    for entry in tree.entries(directory):
        path = f"{directory}/{safe(entry.name)}"
        name = ids.parse_signoff_name(entry.name) if entry.kind == "file" else None
        if name is None:
            code = "OL021" if entry.kind in ("link", "submodule", "other") else "OL024"
            problems.append(Problem(path, None, None, code, "sign-off files are regular files "
                                    "named <role>--<person>.yaml (later decisions --2, --3...)"))
            continue
        loaded = read_document(tree, path)
        if isinstance(loaded, Problem):
            problems.append(loaded)
        found.append(Signoff(path, name, loaded if isinstance(loaded, Document) else None))
    return sorted(found, key=lambda s: s.name), problems
