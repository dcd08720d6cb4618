"""`opsledger record-reviews`: sign-off files from a pull request's approving reviews, one for
each approval that stands for a role a record of the pull request still needs. What it writes
is what `check --reviews FILE --pr N` accepts; everything else it skips, saying why."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from opsledger import prreviews, timefmt, trustroot
from opsledger.atomic import write_atomic
from opsledger.commands.sign import next_file
from opsledger.gitrepo import GitRepo
from opsledger.history import judge_commits
from opsledger.ids import parse_signoff_name
from opsledger.loader import load
from opsledger.location import find_root
from opsledger.problems import FatalError, Outcome
from opsledger.prreviews import Meaning, Reading
from opsledger.tree import WorkTree
from opsledger.workspace import load_record
from opsledger.yamlout import mapping


def run(*, pr: int, reviews: str, base: str, head: str, now: str | None) -> Outcome:
    root = find_root()
    clock = timefmt.option(now, "--now")
    repo = GitRepo(root)
    head_sha, base_sha = repo.resolve(head), repo.resolve(base)
    listed = trustroot.read_reviews(Path(reviews), "--reviews")
    judged = judge_commits(repo, base_sha, repo.merge_base(base_sha, head_sha), head_sha, clock,
                           listed, trustroot.Evidence(listed, pr), pull_request=True)
    if judged.policy is None:
        raise FatalError(f"{base} has no valid policy to match reviewers against")
    # Files an earlier run wrote but nobody committed yet count as recorded too.
    working = [load_record(WorkTree(root), j.record.id) for j in judged.records]
    done = prreviews.recorded([*working, *(j.record for j in judged.records)], pr)
    needs = prreviews.needs(judged.records, judged.policy, judged.verifier)
    readings = prreviews.read(listed, needs, judged.policy, done,
                              prreviews.content_at(repo, head_sha))
    lines = [_write(root, r, pr, clock) if r.meaning is Meaning.RECORD else _skipped(r)
             for r in readings]
    written = sum(r.meaning is Meaning.RECORD for r in readings)
    lines.append(f"{written} sign-off(s) written from {len(readings)} reviewer(s)' latest "
                 f"review on pull request {pr}" + ("; commit and push them" if written else ""))
    return Outcome("\n".join(lines))


def _write(root: Path, reading: Reading, pr: int, clock: datetime) -> str:
    assert reading.need is not None and reading.person is not None
    record, gate = reading.need.record, reading.need.evaluation.gate.name
    target = next_file(root / record.directory / "signoffs", reading.role, reading.person)
    name = parse_signoff_name(target.name)
    assert name is not None
    data: dict[str, Any] = {
        "record": record.id, "role": reading.role, "by": reading.person, "decision": "approve",
        "gate": gate, "seq": name.seq, "digest": reading.digest,
        "at": timefmt.format_time(timefmt.parse_or_none(reading.review.get("submitted_at"))
                                  or clock),
        "comment": f"approved in review {reading.review_id} of pull request {pr}",
        "review": {"pr": pr, "review_id": reading.review_id, "commit": reading.commit}}
    text = mapping(data) + "\n"
    assert load(str(target), text.encode()).data == data  # what we write reads back the same
    target.parent.mkdir(exist_ok=True)
    write_atomic(target, text.encode("utf-8"), exclusive=True)
    return f"wrote {target.relative_to(root)}: {reading.person} approved {record.id} as " \
           f"{reading.role} (gate {gate}) in review {reading.review_id}"


def _skipped(reading: Reading) -> str:
    return f"skipped review {str(reading.review_id)[:20]} by {reading.who}: {reading.why}"
