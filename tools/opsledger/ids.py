"""Ids and file names, matched whole before they ever become paths."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from opsledger.lifecycle import Kind

# Each kind of record and the folder its records live in.
KINDS: dict[Kind, str] = {"release": "releases", "incident": "incidents"}
PREFIX: dict[Kind, str] = {"release": "REL", "incident": "INC"}
RECORD_ID = re.compile(r"(REL|INC)-(\d{4})-(\d{4})")
PERSON = re.compile(r"[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*")
ROLE = re.compile(r"[a-z][a-z0-9_]{0,39}")
SERVICE = re.compile(r"[a-z][a-z0-9-]{0,62}")  # also a site path: services/<id>
SIGNOFF_NAME = re.compile(rf"({ROLE.pattern})--({PERSON.pattern})(?:--([2-9]|[1-9][0-9]+))?\.yaml")


@functools.lru_cache(maxsize=65536)  # asked of every directory name, scan after scan
def kind_of(record_id: str) -> Kind | None:
    match = RECORD_ID.fullmatch(record_id)
    if not match:
        return None
    return "release" if match.group(1) == "REL" else "incident"


def record_dir(record_id: str) -> str:
    kind = kind_of(record_id)
    if kind is None:
        raise ValueError(f"{record_id!r} is not a record id (REL-YYYY-NNNN or INC-YYYY-NNNN)")
    return f"{KINDS[kind]}/{record_id}"


def page_path(record_id: str) -> str:
    """The site page of a record, without suffix: it mirrors the record's directory."""
    return record_dir(record_id)


def record_file(record_id: str) -> str:
    kind = kind_of(record_id)
    return f"{record_dir(record_id)}/{kind}.yaml"


@dataclass(frozen=True, order=True)
class SignoffName:
    role: str
    person: str
    seq: int

    @property
    def filename(self) -> str:
        suffix = f"--{self.seq}" if self.seq > 1 else ""
        return f"{self.role}--{self.person}{suffix}.yaml"


def parse_signoff_name(name: str) -> SignoffName | None:
    match = SIGNOFF_NAME.fullmatch(name)
    if not match:
        return None
    return SignoffName(match.group(1), match.group(2), int(match.group(3) or 1))

