"""`python -m opsledger.demo`: a short story replayed in a throwaway repository.

A release is requested, approved (QA in code review: a press of Approve recorded by
`record-reviews`), changed and approved again, implemented and rolled back; the incident it
caused is declared, mitigated, resolved and its postmortem approved. Every step is the size
of a pull request (one commit by one person, or a few when reviewers approve in between),
and `opsledger check` judges it. Two steps go wrong on purpose: a forged sign-off (refused,
never merged) and a direct push that rewrites history (merged without review, so `audit`
finds it). Keys are made on the fly.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from opsledger import ids, sshsig, timefmt
from opsledger.cli import main
from opsledger.signoffs import payload
from opsledger.yamlout import mapping

CAST = {"omar": ("Omar Haddad", "owner, ops manager"), "ana": ("Ana Souza", "developer"),
        "ben": ("Ben Adler", "dev lead"), "chen": ("Chen Wei", "QA"),
        "dana": ("Dana Ivers", "on-call SRE, incident commander"),
        "ivy": ("Ivy Park", "comms lead")}


@dataclass
class Story:
    root: Path
    keys: Path
    start: datetime
    failures: list[str]
    release: str = ""
    incident: str = ""
    base: str = ""  # the commit the current pull request forked from
    reviews: dict[int, list[dict[str, object]]] = field(default_factory=dict)  # PR -> reviews

    def at(self, hours: float) -> str:
        return timefmt.format_time(self.start + timedelta(hours=hours))

    def file(self, record_id: str) -> Path:
        return self.root / ids.record_file(record_id)

    def edit(self, record_id: str, old: str, new: str) -> None:
        path = self.file(record_id)
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise RuntimeError(f"{old!r} not in {path}")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def sub(self, record_id: str, pattern: str, new: str) -> None:
        path = self.file(record_id)
        text, count = re.subn(pattern, new, path.read_text(encoding="utf-8"), count=1)
        if count != 1:
            raise RuntimeError(f"{pattern!r} not in {path}")
        path.write_text(text, encoding="utf-8")

    def git(self, *args: str, who: str = "omar", at: str | None = None) -> str:
        env = dict(os.environ, GIT_AUTHOR_NAME=CAST[who][0] if who in CAST else who,
                   GIT_AUTHOR_EMAIL=f"{who}@example.com", GIT_COMMITTER_NAME="ledger-bot",
                   GIT_COMMITTER_EMAIL="bot@example.com")
        if at:
            env.update(GIT_AUTHOR_DATE=at, GIT_COMMITTER_DATE=at)
        done = subprocess.run(["git", *args], cwd=self.root, env=env, check=True, text=True,
                              capture_output=True)
        return done.stdout.strip()

    def run(self, *argv: str, show: bool = True) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(list(argv))
        if show:
            print(f"   $ opsledger {' '.join(_quote(a) for a in argv)}")
            for line in out.getvalue().rstrip().splitlines():
                print(f"     {line}")
            print(f"     (exit {code})")
        return code, out.getvalue()

    def sign(self, record_id: str, role: str, who: str, at: str) -> None:
        self.run("sign", record_id, "--role", role, "--as", who, "--key",
                 f"../keys/{who}", "--at", at)

    def reviews_file(self, pr: int) -> str:
        """The pull request's reviews as `gh api repos/O/R/pulls/N/reviews` saves them."""
        path = self.keys.parent / f"reviews-{pr}.json"
        path.write_text(json.dumps(self.reviews.get(pr, []), indent=2), encoding="utf-8")
        return str(path)

    def approve_in_review(self, pr: int, who: str, at: str, body: str = "") -> None:
        """`who` presses Approve on pull request `pr`, at its current head."""
        reviews = self.reviews.setdefault(pr, [])
        review_id = 9000 + sum(len(r) for r in self.reviews.values()) + 1
        reviews.append(github_review(review_id, pr, who, "APPROVED",
                                     self.git("rev-parse", "HEAD"), at, body))
        print(f"   ({who} presses Approve on pull request #{pr}: review {review_id})")

    def commit(self, message: str, who: str, at: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, who=who, at=at)


GITHUB_IDS = {person: 7_100_001 + number for number, person in enumerate([*CAST, "mallory"])}


def github_review(review_id: int, pr: int, who: str, state: str, commit: str, at: str,
                  body: str) -> dict[str, object]:
    """One element of GitHub's `GET /repos/{owner}/{repo}/pulls/{n}/reviews`, field for field."""
    api, web = "https://api.github.com", "https://github.com"
    login, uid = f"{who}-gh", GITHUB_IDS[who]
    html = f"{web}/acme/ledger/pull/{pr}#pullrequestreview-{review_id}"
    return {
        "id": review_id, "node_id": f"PRR_kwDOdemo{review_id}",
        "user": {"login": login, "id": uid, "node_id": f"U_kgDOdemo{uid}",
                 "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
                 "gravatar_id": "", "url": f"{api}/users/{login}",
                 "html_url": f"{web}/{login}", "type": "User", "user_view_type": "public",
                 "site_admin": False},
        "body": body, "state": state, "html_url": html,
        "pull_request_url": f"{api}/repos/acme/ledger/pulls/{pr}",
        "author_association": "MEMBER",
        "_links": {"html": {"href": html},
                   "pull_request": {"href": f"{api}/repos/acme/ledger/pulls/{pr}"}},
        "submitted_at": at, "commit_id": commit}


def _quote(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg


@dataclass
class Step:
    title: str
    who: str
    hours: float
    act: Callable[[Story, str], None]
    expect: int = 0           # what `check` must say of it
    merged: bool = True       # refused pull requests are abandoned, not merged
    pr: int | None = None     # a pull request with reviews: checked with --reviews --pr


def request(s: Story, at: str) -> None:
    s.run("new", "release", "--title", "Checkout 3.0: one-page checkout", "--system",
          "checkout-web", "--version", "3.0.0", "--risk", "medium", "--as", "ana")
    s.release = sorted((s.root / "releases").iterdir())[-1].name
    for old, new in [
        ("executor: ana", "executor: dana"),
        ("Why this change, and what it does. Markdown.",
         "Replaces the three-step checkout with one page; payment provider unchanged."),
        ("What ships (one line per change).", "New one-page checkout behind the `one_page` flag."),
        ("user_facing: false", "user_facing: true"),
        ("What was tested, where.", "End-to-end suite and a 2-hour soak in staging."),
        ("Link to the CI run or test report.", "https://ci.example.com/checkout/builds/812"),
        ("result: not_run", "result: passed"),
        ("When to roll back (e.g. error rate above 2% for 5 minutes).",
         "Checkout errors above 2% for 5 minutes."),
        ("First rollback step.", "Turn the `one_page` flag off."),
        ("incident_commander: ana", "incident_commander: dana"),
        ("Where and how stakeholders are told.",
         "The checkout-release chat channel; the status page if customers notice."),
        ("When to stop the change.", "Checkout errors above 2% at 10% of traffic."),
    ]:
        s.edit(s.release, old, new)
    s.sub(s.release, r"(?m)^  start: \S+", f"  start: {s.at(48)}")
    s.sub(s.release, r"(?m)^  end: \S+", f"  end: {s.at(49)}")
    s.run("status", s.release, "submitted", "--as", "ana", "--now", at)


def approve_by_hand(s: Story, who: str, at: str) -> None:
    """`opsledger status` refuses an approval without its sign-offs; a contributor can still
    edit the file by hand, and the pull request's check refuses that."""
    code, _ = s.run("status", s.release, "approved", "--as", who, "--now", at)
    if code != 0:
        s.sub(s.release, r"(?m)^status: submitted\b", "status: approved")
        print(f"   ({who} sets `status: approved` by hand)")


def approve_early(s: Story, at: str) -> None:
    s.sign(s.release, "dev_lead", "ben", at)
    approve_by_hand(s, "ana", at)


def forge(s: Story, at: str) -> None:
    """What a forger does by hand: a sign-off claiming chen, signed with mallory's own key
    (`opsledger sign` refuses to make it)."""
    s.sign(s.release, "dev_lead", "ben", at)
    _, digest = s.run("digest", s.release, show=False)
    data = {"record": s.release, "role": "qa", "by": "chen", "decision": "approve",
            "gate": "approval", "seq": 1, "digest": digest.split()[0], "at": at}
    data["signature"] = sshsig.sign(payload(data), s.keys / "mallory")
    target = s.file(s.release).parent / "signoffs" / "qa--chen.yaml"
    target.parent.mkdir(exist_ok=True)
    target.write_text(mapping(data) + "\n", encoding="utf-8")
    print(f"   (mallory writes {target.relative_to(s.root)} by hand, signed with her own key)")
    approve_by_hand(s, "mallory", at)


def approve_in_code_review(s: Story, at: str) -> None:
    """ben signs with SSH; chen presses Approve; the check says what to run; record-reviews
    writes chen's sign-off; then ana makes the transition."""
    s.sign(s.release, "dev_lead", "ben", at)
    s.commit("ben signs as dev lead", "ben", at)
    s.approve_in_review(3, "chen", at, "Soak results look good.")
    s.run("check", "--base", s.base, "--reviews", s.reviews_file(3), "--pr", "3", "--now", at)
    s.run("record-reviews", "--pr", "3", "--reviews", s.reviews_file(3), "--base", s.base,
          "--now", at)
    s.commit("Record chen's approval in review", "ana", at)
    s.run("status", s.release, "approved", "--as", "ana", "--now", at)


def change_after_approval(s: Story, at: str) -> None:
    s.edit(s.release, "- Turn the `one_page` flag off.",
           "- Turn the `one_page` flag off.\n    - Purge the checkout page cache.")
    print("   (ana adds a rollback step: the approval no longer covers the content)")
    s.run("status", s.release, "submitted", "--note", "rollback plan changed", "--as", "ana",
          "--now", at)


def approve_again(s: Story, at: str) -> None:
    s.sign(s.release, "dev_lead", "ben", at)
    s.commit("ben signs again", "ben", at)
    s.approve_in_review(4, "chen", at, "/approve qa")
    s.run("record-reviews", "--pr", "4", "--reviews", s.reviews_file(4), "--base", s.base,
          "--now", at)
    s.commit("Record chen's new approval", "ana", at)
    s.run("status", s.release, "approved", "--as", "ana", "--now", at)


def implement(s: Story, at: str) -> None:
    s.run("status", s.release, "implementing", "--as", "dana", "--now", at)
    s.run("log", s.release, "Flag on for 10% of traffic.", "--as", "dana", "--at", at)


def roll_back(s: Story, at: str) -> None:
    s.run("log", s.release, "Checkout errors at 6%: abort criterion met.", "--type",
          "verification", "--important", "--as", "dana", "--at", at)
    s.run("status", s.release, "rolled_back", "--note", "flag off", "--as", "dana", "--now", at)


def declare(s: Story, at: str) -> None:
    s.run("new", "incident", "--title", "Checkout errors after one-page checkout rollout",
          "--severity", "SEV2", "--service", "checkout-web", "--as", "dana")
    s.incident = sorted((s.root / "incidents").iterdir())[-1].name
    s.sub(s.incident, r"(?m)^  detected_at: \S+", f"  detected_at: {at}")
    s.sub(s.incident, r"(?m)^  declared_at: \S+", f"  declared_at: {at}")
    s.sub(s.incident, r"(?m)^    assumed_at: \S+", f"    assumed_at: {at}")
    s.sub(s.incident, r"(?m)^  - at: \S+", f"  - at: {at}")
    s.edit(s.incident, "What is happening. Markdown.",
           f"6% of checkouts failed while {s.release} was at 10%.")
    s.edit(s.incident, "Who is affected and how.", "One in sixteen checkouts failed; retry worked.")
    s.edit(s.incident, "\nroles:", f"\nrelated_releases: [{s.release}]\nroles:")
    s.edit(s.incident, "\nimpact:", f"\n  - {{role: comms_lead, person: ivy, assumed_at: {at}}}"
           "\nimpact:")
    s.run("status", s.incident, "investigating", "--as", "dana", "--now", at)


def mitigate(s: Story, at: str) -> None:
    s.run("log", s.incident, "Status page: checkout degraded, retry works.", "--type",
          "communication", "--as", "ivy", "--at", at)
    s.run("status", s.incident, "mitigated", "--note", "release rolled back", "--as", "dana",
          "--now", at)


def resolve(s: Story, at: str) -> None:
    s.run("status", s.incident, "resolved", "--note", "errors at baseline for an hour",
          "--as", "dana", "--now", at)


def rewrite(s: Story, at: str) -> None:
    s.edit(s.incident, "text: Incident declared.", "text: Incident declared (minor).")
    print(f"   (ana edits the declaration event in place, at {at}, and pushes to main)")


def postmortem(s: Story, at: str) -> None:
    s.edit(s.incident, "\npostmortem:\n", "\nroot_causes:\n  - summary: The new page retried "
           "payment twice on a slow provider reply.\n    category: software\naction_items:\n"
           f"  - {{id: AI-1, title: Idempotency key on payment submit, owner: ana, due: "
           f"{s.at(240)[:10]}, status: open, category: prevent}}\npostmortem:\n")
    s.edit(s.incident, "  status: not_started", "  status: approved")
    s.file(s.incident).with_name("postmortem.md").write_text(
        "# What happened\n\nThe one-page checkout retried payment submission on a slow "
        "provider reply, and the provider refused the duplicate.\n", encoding="utf-8")
    s.run("status", s.incident, "postmortem", "--as", "dana", "--now", at)
    # The close gate's scope leaves out closed_at and the closing event, so the commander
    # approves first and `status` then checks the gate like the pull request will.
    s.sign(s.incident, "incident_commander", "omar", at)
    s.run("status", s.incident, "closed", "--as", "dana", "--now", at)


def close_release(s: Story, at: str) -> None:
    s.edit(s.release, "status: rolled_back", f"review:\n  summary: Rolled back cleanly in "
           f"6 minutes; see {s.incident}.\n  by: omar\n  at: {at}\nstatus: rolled_back")
    s.run("status", s.release, "closed", "--as", "omar", "--now", at)


STORY = [
    Step("ana requests a release of Checkout 3.0 (risk: medium)", "ana", 0, request),
    Step("ana asks for approval with only the dev lead's sign-off", "ana", 2, approve_early,
         expect=1, merged=False),
    Step("mallory forges QA's sign-off with her own key", "mallory", 3, forge, expect=1,
         merged=False),
    Step("ben (dev lead) signs; chen (QA) approves in code review; ana moves it to approved",
         "ana", 4, approve_in_code_review, pr=3),
    Step("ana changes the rollback plan: back to submitted", "ana", 6, change_after_approval),
    Step("ben signs again, chen approves again in review; approved again", "ana", 8,
         approve_again, pr=4),
    Step("dana starts the change inside its window", "dana", 48.1, implement),
    Step("errors rise; dana rolls it back", "dana", 48.3, roll_back),
    Step("dana declares SEV2 for the errors the release caused", "dana", 48.35, declare),
    Step("ivy updates the status page; the incident is mitigated", "ivy", 48.5, mitigate),
    Step("the incident is resolved", "dana", 49.5, resolve),
    Step("ana rewrites a timeline event and pushes to main directly", "ana", 50, rewrite,
         expect=1),
    Step("postmortem written, approved by omar, incident closed", "dana", 120, postmortem),
    Step("post-implementation review; the release is closed", "omar", 121, close_release),
]


def play(root: Path, story_steps: Sequence[Step] = STORY) -> int:
    keys = root.parent / "keys"
    keys.mkdir()
    people = []
    for person in [*CAST, "mallory"]:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f",
                        str(keys / person)], check=True)
        if person in CAST:
            public = " ".join((keys / f"{person}.pub").read_text().split()[:2])
            people.append(f'  {person}: {{name: {CAST[person][0]}, email: {person}@example.com, '
                          f'github: {person}-gh, github_id: {GITHUB_IDS[person]}, '
                          f'keys: ["{public}"]}}')
    start = timefmt.now_utc().replace(minute=0, second=0, microsecond=0)
    story = Story(root, keys, start, [])
    print(f"opsledger demo: a story replayed in {root}\n")
    with contextlib.chdir(root.parent):
        story.run("init", root.name, show=False)
    policy = resources.files("opsledger").joinpath("templates/demo-policy.yaml").read_text()
    (root / "opsledger.yaml").write_text(policy.replace("@PEOPLE@", "\n".join(people)))
    with contextlib.chdir(root):
        story.git("init", "-q", "-b", "main")
        story.git("add", "-A")
        story.git("commit", "-q", "-m", "Ledger policy and layout", at=story.at(-1))
        print(f"0. omar ({CAST['omar'][1]}) commits the policy: {len(CAST)} people, "
              "their SSH keys, roles and required sign-offs\n")
        for number, step in enumerate(story_steps, start=1):
            _play_step(story, number, step)
        print("Finally, the whole history replayed, every commit checked against its parent:")
        code, out = story.run("audit")
        if code != 1 or out.count("error OL") != 1 or "OL204" not in out:
            story.failures.append("audit did not find the direct push")
    if story.failures:
        print("\nThe story did not go as expected:", *story.failures, sep="\n  ")
        return 1
    print("\nEach pull request was checked as a transition; the forgery was refused before "
          "merge and\nthe direct push was found by the audit. Replay it: python -m "
          "opsledger.demo")
    return 0


def _play_step(story: Story, number: int, step: Step) -> None:
    at = story.at(step.hours)
    base = story.base = story.git("rev-parse", "--short=12", "HEAD")
    print(f"{number}. {step.title}  [{step.who}, {at}]")
    step.act(story, at)
    story.commit(step.title, step.who, at)
    reviews = ("--reviews", story.reviews_file(step.pr), "--pr", str(step.pr)) if step.pr \
        else ()
    code, _ = story.run("check", "--base", base, *reviews, "--now", at)
    verdict = "merged" if step.merged else "refused; the pull request is closed unmerged"
    print(f"   -> {verdict}\n")
    if code != step.expect:
        story.failures.append(f"step {number} ({step.title}): check exited {code}, "
                              f"expected {step.expect}")
    if not step.merged:
        story.git("reset", "-q", "--hard", base)


def run(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    keep = "--keep" in argv
    workdir = Path(tempfile.mkdtemp(prefix="opsledger-demo-"))
    try:
        return play(workdir / "ledger")
    finally:
        if keep:
            print(f"(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run())
