"""Site build benchmark: a ledger of N incidents and N releases (default 2,000 each) built
by `mkdocs build` with the opsledger plugin, against a plain `mkdocs build` of the same
number of Markdown pages of similar size with the same navigation shape (record pages
reached through index pages, not listed in the navigation). Reports both times, the ratio
and the size of each built site.

    .venv/bin/python benchmarks/site_build.py [--records 2000] [--commits 2000] [--out DIR]

Targets: ratio <= 1.3 (by CPU time, steadier than wall time on a shared machine; the wall
times and their ratio are reported too) and the built ledger site under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Templates that need no sign-off to be valid: the benchmark has no private keys.
TEMPLATES = {"incident": ["INC-2026-0002", "INC-2026-0003", "INC-2026-0004"],
             "release": ["REL-2026-0005", "REL-2026-0006", "REL-2026-0010"]}
FOLDER = {"incident": ("incidents", "incident.yaml"), "release": ("releases", "release.yaml")}


def _git(root: Path, *args: str, who: str = "alice") -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=f"{who}@example.com",
               GIT_COMMITTER_NAME=who, GIT_COMMITTER_EMAIL=f"{who}@example.com",
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_ledger(root: Path, count: int, commits: int) -> list[tuple[str, str]]:
    """The policy, site/ and mkdocs.yml of this repository plus `count` records of each
    kind cloned from the sample (ids renumbered, years 2027-2030), committed in `commits`
    commits by rotating authors. Returns (kind, id) of every record."""
    root.mkdir(parents=True)
    shutil.copy2(REPO / "opsledger.yaml", root)
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copytree(REPO / "site", root / "site")
    shutil.copy2(REPO / "mkdocs.yml", root)
    made = []
    for kind, sources in TEMPLATES.items():
        folder, name = FOLDER[kind]
        texts = [(source, (REPO / folder / source / name).read_text()) for source in sources]
        for n in range(count):
            year, number = 2027 + n // 9999, n % 9999 + 1
            source, text = texts[n % len(texts)]
            record_id = f"{source[:3]}-{year}-{number:04d}"
            body = text.replace(source, record_id)
            body = re.sub(r"(related_releases|related_incidents): \[[^\]]*\]\n", "", body)
            target = root / folder / record_id / name
            target.parent.mkdir(parents=True)
            target.write_text(body)
            made.append((kind, record_id))
    _git(root, "init", "-q", "-b", "main")
    people = ["alice", "bob", "carol", "dave", "erin", "judy"]
    batches = [made[i::commits] for i in range(commits)]
    for index, batch in enumerate(batches):
        for kind, record_id in batch:
            folder, _ = FOLDER[kind]
            _git(root, "add", "--", f"{folder}/{record_id}")
        if index == 0:
            _git(root, "add", "--", "opsledger.yaml", "schemas", "site", "mkdocs.yml")
        _git(root, "commit", "-q", "-m", f"batch {index}", who=people[index % len(people)])
    return made


def markdown_twin(ledger: Path, baseline: Path, made: list[tuple[str, str]]) -> None:
    """The same number of pages as Markdown of similar size (each record's text as
    sections, lists and a table), with the same index pages and navigation."""
    baseline.mkdir(parents=True)
    shutil.copytree(ledger / "site", baseline / "site")
    config = (ledger / "mkdocs.yml").read_text().replace("  - opsledger\n", "")
    (baseline / "mkdocs.yml").write_text(config)
    rows: dict[str, list[str]] = {"incident": [], "release": []}
    for kind, record_id in made:
        folder, name = FOLDER[kind]
        text = (ledger / folder / record_id / name).read_text()
        lines = [f"# {record_id}\n"]
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if not line.startswith(" ") and value.strip():
                lines.append(f"**{key}**: {value.strip()}\n")
            elif not line.startswith(" "):
                lines.append(f"\n## {key}\n")
            else:
                lines.append(f"- {line.strip().lstrip('- ')}")
        lines.append("\n| when | what | who |\n|---|---|---|")
        lines += [f"| {m[0]} | {m[1]} | {m[2]} |" for m in
                  re.findall(r"at: (\S+), type: (\w+), text: ([^,]+)", text)]
        target = baseline / "site" / folder / f"{record_id}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")
        rows[kind].append(f"| [{record_id}]({record_id}.md) | {kind} |")
    for kind, (folder, _) in FOLDER.items():
        table = "| id | kind |\n|---|---|\n" + "\n".join(rows[kind])
        (baseline / "site" / folder / "index.md").write_text(f"# {folder.title()}\n\n{table}\n")
    (baseline / "site" / "releases" / "calendar.md").write_text(
        "# Calendar\n\n" + "\n".join(rows["release"]))
    for page in ("postmortems.md", "action-items.md", "metrics.md", "drills.md",
                 "services/index.md"):
        up = "../" * page.count("/")
        (baseline / "site" / page).parent.mkdir(parents=True, exist_ok=True)
        (baseline / "site" / page).write_text(f"# {page}\n\n" + "\n".join(
            row.replace("](", f"]({up}incidents/") for row in rows["incident"][:200]))


def build(root: Path) -> tuple[float, float, int, int]:
    """Wall and CPU seconds (the CPU time of the build, steadier than wall time on a shared
    machine), the built site's bytes and files."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    started = time.perf_counter()
    with subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as done:
        errors = done.stderr.read() if done.stderr else b""
        _, status, usage = os.wait4(done.pid, 0)
        done.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"mkdocs build failed in {root}:\n{errors.decode(errors='replace')[-3000:]}")
    files = [p for p in (root / "public").rglob("*") if p.is_file()]
    return elapsed, usage.ru_utime + usage.ru_stime, sum(p.stat().st_size for p in files), \
        len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000, help="records of each kind")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="opsledger-bench-"))
    try:
        made = make_ledger(work / "ledger", args.records, args.commits)
        markdown_twin(work / "ledger", work / "baseline", made)
        plain_time, plain_cpu, plain_size, plain_files = build(work / "baseline")
        ours_time, ours_cpu, ours_size, ours_files = build(work / "ledger")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {"records": 2 * args.records, "commits": args.commits,
              "plain_mkdocs_seconds": round(plain_time, 1), "plain_cpu": round(plain_cpu, 1),
              "plain_mb": round(plain_size / 1e6, 1), "plain_files": plain_files,
              "opsledger_seconds": round(ours_time, 1), "opsledger_cpu": round(ours_cpu, 1),
              "opsledger_mb": round(ours_size / 1e6, 1), "opsledger_files": ours_files,
              "ratio": round(ours_cpu / plain_cpu, 2),
              "wall_ratio": round(ours_time / plain_time, 2)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "site_build.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = result["ratio"] <= 1.3 and result["opsledger_mb"] < 200
    print("targets (ratio <= 1.3, size < 200 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
