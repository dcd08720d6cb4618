"""A check as GitHub-flavoured Markdown, for a pull request's job summary: the verdict, then
per record the transition it makes and each gate on the way, slot by slot, then the problems.
Every value from the ledger goes through `escape.markdown` and is laid out only inside a
line or a table cell, never at the start of a line (a list or heading marker) nor in a code
span (where a backslash is literal)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from opsledger.escape import markdown as md
from opsledger.problems import Problem

if TYPE_CHECKING:
    from opsledger.approval import Aside, Evaluation
    from opsledger.history import Judged
    from opsledger.signoffs import Verdict
    from opsledger.transitions import Edge

ARROW = " → "


def markdown(problems: list[Problem], checked: str, records: Sequence[Judged] = ()) -> str:
    """The summary; without `records` (validate, audit) the verdict and the problems only."""
    blocks = [_verdict(problems, checked), *(_record(judged) for judged in records)]
    if problems:
        blocks.append(_problems(problems))
    return "\n\n".join(blocks)


def _verdict(problems: list[Problem], checked: str) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors:
        verdict = f"{_count(len(problems), 'problem')}"
    else:
        verdict = "passes" + (f", with {_count(warnings, 'warning')}" if warnings else "")
    return f"## Ledger check: {verdict}\n\n{md(checked)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _record(judged: Judged) -> str:
    data = judged.record.data
    title = md(str(data["title"])) if "title" in data else "(no title)"
    lines = [f"### {md(judged.record.id)}: {title}", "", _transition(judged)]
    for edge, evaluation in judged.gates:
        lines += ["", *_gate(edge, evaluation)]
    if not judged.gates:
        lines += ["", "No sign-offs are needed for this transition."]
    return "\n".join(lines)


def _transition(judged: Judged) -> str:
    new = md(str(judged.record.data.get("status")))
    if judged.old_status is None:
        steps = [judged.walk[0][0], *(after for _, after in judged.walk)] if judged.walk else []
        taken = f" (judged as {ARROW.join(md(s) for s in steps)})" if len(steps) > 2 else ""
        return f"**new, in {new}**{taken}"
    if judged.old_status == judged.record.data.get("status"):
        return f"**stays {new}**"
    return f"**{md(judged.old_status)}{ARROW}{new}**"


def _gate(edge: Edge, evaluation: Evaluation) -> list[str]:
    gate = evaluation.gate
    state = "met" if evaluation.met else "**not met**"
    lines = [f"Gate {md(gate.name)}, for {md(gate.purpose)} ({md(edge[0])}{ARROW}"
             f"{md(edge[1])}): {state}", ""]
    if gate.decision == "approve":
        lines += _slots(evaluation)
    else:
        lines += _opened(evaluation)
    lines += [f"Rejected by {md(person)} as {md(role)}: "
              f"{_evidence(evaluation.verdicts[(role, person)])}."
              for role, person in evaluation.rejected_by]
    if evaluation.set_aside:
        lines += ["", *_set_aside(evaluation.set_aside)]
    return lines


def _slots(evaluation: Evaluation) -> list[str]:
    rows = [_row("role", "filled by", "evidence"), _row("---", "---", "---")]
    for slot in evaluation.slots:
        if slot.person:
            verdict = evaluation.verdicts[(slot.role, slot.person)]
            rows.append(_row(md(slot.role), md(slot.person), _evidence(verdict)))
        else:
            who = ", ".join(md(p) for p in slot.candidates) or "nobody eligible in the policy"
            rows.append(_row(md(slot.role), f"**missing**: could be signed by {who}", ""))
    return rows


def _opened(evaluation: Evaluation) -> list[str]:
    decision = md(evaluation.gate.decision)
    if not evaluation.opened_by:
        who = ", ".join(md(p) for p in evaluation.openers) or "nobody"
        return [f"Needs one signed {decision}, by one of: {who}."]
    rows = [_row("role", f"{decision} by", "evidence"), _row("---", "---", "---")]
    for role, person in evaluation.opened_by:
        rows.append(_row(md(role), md(person), _evidence(evaluation.verdicts[(role, person)])))
    return rows


def _set_aside(aside: list[Aside]) -> list[str]:
    rows = [_row("sign-off", "decision", "why it does not count"), _row("---", "---", "---")]
    for verdict, why in aside:
        data, name = verdict.data, verdict.signoff.name
        decision = f"{md(str(data.get('decision')))} by {md(name.person)} as {md(name.role)}"
        rows.append(_row(md(verdict.signoff.path), decision, md(why)))
    return rows


def _evidence(verdict: Verdict) -> str:
    data = verdict.data
    review = data.get("review")
    if isinstance(review, dict):
        how = f"review {md(str(review.get('review_id')))} on pull request " \
              f"{md(str(review.get('pr')))}"
    else:
        how = "signature"
    return f"{how}, {md(verdict.signoff.path)}"


def _problems(problems: list[Problem]) -> str:
    rows = ["### Problems", "", _row("where", "code", "message"), _row("---", "---", "---")]
    for p in problems:
        code = p.code if p.severity == "error" else f"{p.code} ({p.severity})"
        rows.append(_row(md(p.where), md(code), md(p.message)))
    return "\n".join(rows)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"
