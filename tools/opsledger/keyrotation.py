"""A policy change to people's keys: rotation that never breaks a record at rest. A key is
retired, never removed (its sign-offs would turn into forgeries); `retired` is set only on
a key the base already has, dated no earlier than the base's last change (so no merged
sign-off falls after it), and never moved; a leaked key is marked `compromised` instead,
which may be dated back to the leak but, once set, never moves either."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from opsledger.policy import Key, Policy
from opsledger.problems import Problem

CODE = "OL217"
Material = tuple[str, ...]  # key type and blob: the comment after them is free text


def _index(policy: Policy) -> dict[Material, tuple[str, int, Key]]:
    found: dict[Material, tuple[str, int, Key]] = {}
    for person in policy.people:
        for index, key in enumerate(policy.keys(person)):
            found.setdefault(tuple(key.line.split()[:2]), (person, index, key))
    return found


def key_changes(base: Policy, head: Policy, since: datetime) -> list[Problem]:
    """Problems of the head policy's keys against the base's; `since` is the time of the
    base commit."""
    before, after = _index(base), _index(head)
    problems = list(_removed_or_moved(base, head, before, after))
    for material, (person, index, key) in after.items():
        where = ("people", person, "keys", index)
        old = before.get(material)
        if old is None:
            if key.until is not None:
                problems.append(head.doc.problem(where, CODE, f"people.{person}.keys[{index}]: "
                                "a key is retired or marked compromised only once it is in "
                                "the policy; add it as a plain key line"))
            continue
        problems += [head.doc.problem(where, CODE, f"people.{person}.keys[{index}]: {why}")
                     for why in _dates(old[2], key, since)]
    return problems


def _removed_or_moved(base: Policy, head: Policy, before: dict[Material, tuple[str, int, Key]],
                      after: dict[Material, tuple[str, int, Key]]) -> Iterator[Problem]:
    for material, (person, index, _) in before.items():
        now = after.get(material)
        where = ("people", person) if person in head.people else ("people",)
        if now is None:
            yield head.doc.problem(where, CODE, f"people.{person}.keys[{index}] was removed: "
                                   "the sign-offs it made would turn into forgeries; keep it "
                                   "as {key: ..., retired: TIME} (or compromised: TIME if it "
                                   "leaked)")
        elif now[0] != person:
            yield head.doc.problem(where, CODE, f"people.{person}.keys[{index}] moved to "
                                   f"{now[0]}: a key signs for one person, always")


def _dates(old: Key, new: Key, since: datetime) -> Iterator[str]:
    if old.retired is not None and new.retired != old.retired:
        yield f"retired {old.retired} may not move or be removed (it decides which " \
              "sign-offs the key still verifies)"
    if old.compromised is not None and new.compromised != old.compromised:
        yield f"compromised {old.compromised} may not move or be removed"
    if old.retired is None and new.retired is not None and new.retired < since:
        yield f"retired {new.retired} is back-dated: sign-offs merged since then would " \
              f"turn into forgeries; date it no earlier than {since.isoformat()} (the " \
              "base's last change), or mark a leaked key `compromised` instead"
