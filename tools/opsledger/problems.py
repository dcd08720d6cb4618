"""The values every check and command produce: problems, outcomes, and the two ways a
command stops early."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    col: int | None
    code: str
    message: str
    severity: str = "error"
    field: str = ""  # dotted path of the value at fault ("window.start"), when there is one

    @property
    def where(self) -> str:
        """path:line:col, as far as they are known."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def with_context(self, prefix: str) -> Problem:
        return Problem(self.path, self.line, self.col, self.code, f"{prefix}{self.message}",
                       self.severity, self.field)


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    """The one order problems are reported in: by file, position, then code."""
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.col or 0, p.code,
                                                p.message))


@dataclass
class Outcome:
    """What a command hands back to the CLI: text for stdout, an exit code, a note for
    stderr. Commands never print."""

    output: str
    code: int = 0
    note: str = ""


class FatalError(Exception):
    """The command could not run at all (exit 2): bad usage, no ledger, missing commit."""

