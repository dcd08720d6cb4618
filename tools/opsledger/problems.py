"""The one value every check produces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    col: int | None
    code: str
    message: str
    severity: str = "error"

    def with_context(self, prefix: str) -> Problem:
        return Problem(self.path, self.line, self.col, self.code, f"{prefix}{self.message}",
                       self.severity)


class FatalError(Exception):
    """The command could not run at all (exit 2): bad usage, no ledger, missing commit."""


class Refused(Exception):
    """An editing command refused the change (exit 1); nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
