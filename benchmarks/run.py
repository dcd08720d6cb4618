"""The ledger at scale, side by side with the peer tool: one Markdown table of every
scenario with its target, measured in one run.

    .venv/bin/python benchmarks/run.py [--quick] [--repeat 3] [--audit-commits N]
                                       [--site-records 2000] [--with-2k] [--write FILE]

Ledgers come from benchmarks/generate.py and are cached in benchmarks/out/ledgers/ (rebuilt
when the generator changes). Each scenario runs up to --repeat times, fewer once its runs
have taken --budget seconds (at least one run always); the table gives the median, min and
max wall time, the number of runs and the peak RSS of the measured process (os.wait4).
"Cold" runs happen in a fresh clone of the ledger in which nothing has run yet; "warm" is
the second run in the same clone with nothing changed. `audit` over the whole history is
measured over the whole history (with audit's default --jobs: one process a CPU), or with
--audit-commits on the last N commits and extrapolated linearly, which the table says.
--quick: one run each, audit over the last 200 commits, the site benchmark at 250 records of
each kind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
BIN = Path(sys.executable).parent
OPSLEDGER = [sys.executable, "-m", "opsledger"]
# name: (records, commits); the 100-record ledger carries the same pull request.
LEDGERS = {"2k": (2000, 400), "10k": (10000, 2000), "100": (100, 20)}
SCHEMAS = {"release": "releases/*/release.yaml", "incident": "incidents/*/incident.yaml",
           "signoff": "*/*/signoffs/*.yaml"}


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system of the process
    peak_kb: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def cell(self) -> str:
        if not self.seconds:
            return "not run"
        spread = f" [{min(self.seconds):.2f}-{max(self.seconds):.2f}]" \
            if len(self.seconds) > 1 else ""
        failed = f" **exit {self.failures[0].split(':')[0]}**" if self.failures else ""
        cpu = f", CPU {statistics.median(self.cpu):.2f} s" if self.cpu else ""
        return f"{self.median:.2f} s{spread}{cpu}, n={len(self.seconds)}{failed}"


def env() -> dict[str, str]:
    # Python's bytecode cache on, as in any installation (a shell may have turned it off):
    # otherwise every run compiles each module it imports again.
    variables = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return dict(variables, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                NO_MKDOCS_2_WARNING="1", PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")


def timed(command: list[str], cwd: Path, runs: Runs) -> float:
    """One run: wall seconds, and the peak RSS of that process alone (os.wait4)."""
    started = time.perf_counter()
    with subprocess.Popen(command, cwd=cwd, env=env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT) as process:
        output = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    runs.seconds.append(elapsed)
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.peak_kb = max(runs.peak_kb, usage.ru_maxrss)
    if process.returncode != 0:
        runs.failures.append(f"{process.returncode}: {output.decode(errors='replace')[-300:]}")
    return elapsed


def repeat(label: str, once: Callable[[Runs], float], times: int, budget: float) -> Runs:
    runs = Runs()
    spent = 0.0
    while len(runs.seconds) < times and (not runs.seconds or spent < budget):
        spent += once(runs)
    print(f"  {label}: {runs.cell()}", file=sys.stderr, flush=True)
    return runs


# --- ledgers -------------------------------------------------------------------------------

def generator_hash() -> str:
    code = b"".join((BENCH / name).read_bytes() for name in ("generate.py", "records.py"))
    return hashlib.sha256(code).hexdigest()[:16]


def ledger(out: Path, name: str) -> tuple[Path, dict[str, object]]:
    """The cached ledger `name`, generated again when missing or made by another generator."""
    records, commits = LEDGERS[name]
    root, meta_file = out / "ledgers" / name, out / "ledgers" / f"{name}.json"
    wanted = {"generator": generator_hash(), "records": records, "commits": commits}
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if all(meta.get(k) == v for k, v in wanted.items()) and root.is_dir():
            return root, meta
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating the {name} ledger ({records} records, {commits} commits)...",
          file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, str(BENCH / "generate.py"), str(root), "--records",
                           str(records), "--commits", str(commits)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"generate.py failed:\n{done.stderr[-3000:]}")
    meta = {**json.loads(done.stdout), **wanted}
    meta_file.write_text(json.dumps(meta, indent=2) + "\n")
    return root, meta


def fresh_clone(source: Path, scratch: Path) -> Path:
    """A clone in which opsledger has never run (no cache of any kind)."""
    shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--local", str(source), str(scratch)], check=True,
                   env=env())
    return scratch


# --- scenarios -----------------------------------------------------------------------------

def validate_cold(root: Path, scratch: Path, times: int, budget: float) -> Runs:
    def once(runs: Runs) -> float:
        clone = fresh_clone(root, scratch)
        return timed([*OPSLEDGER, "validate"], clone, runs)
    return repeat(f"validate cold {root.name}", once, times, budget)


def validate_warm(root: Path, scratch: Path, times: int, budget: float) -> Runs:
    clone = fresh_clone(root, scratch)
    timed([*OPSLEDGER, "validate"], clone, Runs())  # the first run, not measured
    return repeat(f"validate warm {root.name}",
                  lambda runs: timed([*OPSLEDGER, "validate"], clone, runs), times, budget)


def peer(root: Path, times: int, budget: float) -> Runs:
    """check-jsonschema with the repository's schemas on the same files; a run is the sum
    of its three invocations (releases, incidents, sign-offs)."""
    tool = shutil.which("check-jsonschema", path=str(BIN)) or "check-jsonschema"
    groups = [(kind, sorted(str(p.relative_to(root)) for p in root.glob(pattern)))
              for kind, pattern in SCHEMAS.items()]

    def once(runs: Runs) -> float:
        parts = Runs()
        for kind, files in groups:
            if files:
                timed([tool, "--schemafile", f"schemas/{kind}.schema.json", *files], root,
                      parts)
        runs.seconds.append(sum(parts.seconds))
        runs.cpu.append(sum(parts.cpu))
        runs.peak_kb = max(runs.peak_kb, parts.peak_kb)
        runs.failures += parts.failures
        return runs.seconds[-1]
    return repeat(f"check-jsonschema {root.name}", once, times, budget)


def check_pr(root: Path, meta: dict[str, object], times: int) -> Runs:
    command = [*OPSLEDGER, "check", "--base", str(meta["pr_base"]), "--head",
               str(meta["pr_head"]), "--now", str(meta["pr_now"])]
    timed(command, root, Runs())  # page cache and .pyc files, as on a CI runner's second PR
    return repeat(f"check {root.name}", lambda runs: timed(command, root, runs), times, 60)


def git_floor(root: Path, times: int) -> Runs:
    """What reading the pull request costs git itself: the diff and one cat-file --batch
    of the old and new blobs."""
    def once(runs: Runs) -> float:
        started = time.perf_counter()
        names = subprocess.run(["git", "diff", "--name-only", "-z", "main...pr"], cwd=root,
                               capture_output=True, check=True).stdout.decode().split("\0")
        wanted = "".join(f"main:{n}\npr:{n}\n" for n in names if n)
        subprocess.run(["git", "cat-file", "--batch"], cwd=root, input=wanted.encode(),
                       capture_output=True, check=True)
        runs.seconds.append(time.perf_counter() - started)
        return runs.seconds[-1]
    return repeat("git floor", once, times, 10)


def audit(root: Path, commits: int, total: int) -> Runs:
    span = ["--from", f"main~{commits}"] if commits < total - 1 else []
    return repeat(f"audit {commits} commits",
                  lambda runs: timed([*OPSLEDGER, "audit", *span, "--to", "main"], root, runs),
                  1, 0)


def site(out: Path, records: int) -> dict[str, object]:
    target, started = out / "site", time.time()
    print(f"  site build ({2 * records} records)...", file=sys.stderr, flush=True)
    # site_build.py needs a record for every commit it makes.
    done = subprocess.run([sys.executable, str(BENCH / "site_build.py"), "--records",
                           str(records), "--commits", str(min(2000, 2 * records)), "--out",
                           str(target)], env=env(), capture_output=True, text=True, check=False)
    result_file = target / "site_build.json"
    if not result_file.exists() or result_file.stat().st_mtime < started:
        return {"error": done.stderr[-300:] or done.stdout[-300:]}
    return dict(json.loads(result_file.read_text()))


# --- the table -----------------------------------------------------------------------------

def mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "-"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else "met" if ok else "**not met**"


def table(r: dict[str, object], args: argparse.Namespace) -> str:
    rows = ["| Scenario | opsledger (median [min-max], runs) | Peak RSS | Side by side | "
            "Ratio | Target | |", "|---|---|---|---|---|---|---|"]

    def runs(key: str) -> Runs:
        value = r[key]
        assert isinstance(value, Runs)
        return value

    for size in ("2k", "10k"):
        if f"validate_{size}" not in r:
            continue
        ours, theirs = runs(f"validate_{size}"), runs(f"peer_{size}")
        ratio = theirs.median / ours.median
        records = LEDGERS[size][0]
        target_ok = ratio >= 10 if size == "10k" else None
        rows.append(f"| `validate` cold, {records:,} records | {ours.cell()} | "
                    f"{mb(ours.peak_kb)} | check-jsonschema: {theirs.cell()}, "
                    f"{mb(theirs.peak_kb)} | {ratio:.1f}x faster | "
                    f"{'>= 10x faster' if size == '10k' else '-'} | {verdict(target_ok)} |")
    warm, cold = runs("warm_10k"), runs("validate_10k")
    faster = cold.median / warm.median
    rows.append(f"| `validate` warm (second run, nothing changed), 10,000 records | "
                f"{warm.cell()} | {mb(warm.peak_kb)} | the cold run above | "
                f"{faster:.0f}x faster | <= 0.5 s and >= 100x faster than cold | "
                f"{verdict(warm.median <= 0.5 and faster >= 100)} |")
    big, small, floor = runs("check_10k"), runs("check_100"), runs("git_floor")
    rows.append(f"| `check` of a 12-record PR, 10,000 records / 2,000 commits | {big.cell()} | "
                f"{mb(big.peak_kb)} | git floor (diff + cat-file --batch): "
                f"{floor.median * 1000:.0f} ms | {big.median / floor.median:.0f}x the floor | "
                f"<= 0.4 s | {verdict(big.median <= 0.4)} |")
    ratio = big.median / small.median
    rows.append(f"| `check` of the same PR, 100 records / 20 commits | {small.cell()} | "
                f"{mb(small.peak_kb)} | 10,000 vs 100 records | {ratio:.2f} | <= 1.5 | "
                f"{verdict(ratio <= 1.5)} |")
    measured = runs("audit")
    commits, total = int(str(r["audit_commits"])), LEDGERS["10k"][1]
    whole = measured.median * total / commits
    label = f"measured ({measured.cell()}, {os.cpu_count()} CPUs)" \
        if commits >= total - 1 else \
        f"**extrapolated** from the last {commits} commits ({measured.cell()})"
    rows.append(f"| `audit` over {total:,} commits, 10,000 records | {whole:.0f} s, {label} | "
                f"{mb(measured.peak_kb)} | {measured.median / commits * 1000:.0f} ms a commit | "
                f"| <= 30 s | {verdict(whole <= 30)} |")
    peak = max(runs("validate_10k").peak_kb, warm.peak_kb)
    rows.append(f"| `validate` peak RSS, 10,000 records | {mb(peak)} | | | | < 300 MB | "
                f"{verdict(peak < 300 * 1024)} |")
    rows.append(site_row(r.get("site"), args))
    return "\n".join(rows)


def site_row(result: object, args: argparse.Namespace) -> str:
    if not isinstance(result, dict):
        return "| site build vs plain mkdocs | skipped | | | | <= 1.3 | - |"
    if "error" in result:
        return f"| site build vs plain mkdocs | **failed**: {result['error']} | | | | <= 1.3 | - |"
    ok = float(result["ratio"]) <= 1.3 and float(result["opsledger_mb"]) < 200
    return (f"| site build, {result['records']:,} records (benchmarks/site_build.py) | "
            f"{result['opsledger_seconds']} s, CPU {result.get('opsledger_cpu')} s, n=1 | | "
            f"plain mkdocs, same pages: {result['plain_mkdocs_seconds']} s, CPU "
            f"{result.get('plain_cpu')} s; site {result['opsledger_mb']} MB | {result['ratio']} "
            f"by CPU ({result.get('wall_ratio')} by wall time) | <= 1.3 (and < 200 MB) | "
            f"{verdict(ok)} |")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)
    git = subprocess.run(["git", "--version"], capture_output=True, text=True,
                         check=False).stdout.strip()
    return (f"{os.cpu_count()} CPUs ({cpu}), {memory / 1024 / 1024:.1f} GiB RAM, "
            f"Python {platform.python_version()}, {git}, {platform.system()} "
            f"{platform.release()}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- main ----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run each, audit over 200 "
                        "commits, the site benchmark at 250 records of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (default 3)")
    parser.add_argument("--budget", type=float, default=45.0,
                        help="seconds after which a scenario stops repeating (default 45)")
    parser.add_argument("--audit-commits", type=int, default=None,
                        help="audit only the last N commits of the 2,000 and extrapolate "
                             "(default: the whole history, about a minute)")
    parser.add_argument("--site-records", type=int, default=None,
                        help="records of each kind in the site benchmark (default 2000; "
                             "0: skip it)")
    parser.add_argument("--with-2k", action="store_true", help="also validate a 2,000-record "
                        "ledger beside check-jsonschema (how the ratio scales; ~1 minute more)")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--write", type=Path, help="also write the report (machine, load, "
                        "table) to this Markdown file")
    args = parser.parse_args()
    quick = {"repeat": 1, "audit_commits": 200, "site_records": 250}
    usual = {"audit_commits": LEDGERS["10k"][1], "site_records": 2000}
    for name, value in (quick if args.quick else usual).items():
        if name == "repeat" or getattr(args, name) is None:
            setattr(args, name, value)
    started, load_before = time.perf_counter(), load()
    sizes = ("2k", "10k") if args.with_2k else ("10k",)
    ledgers = {name: ledger(args.out, name) for name in LEDGERS if name in (*sizes, "100")}
    generated = time.perf_counter() - started
    scratch = args.out / "scratch"
    r: dict[str, object] = {"audit_commits": args.audit_commits}
    print("measuring...", file=sys.stderr, flush=True)
    for size in sizes:
        root = ledgers[size][0]
        r[f"validate_{size}"] = validate_cold(root, scratch, args.repeat, args.budget)
        # One run of the peer: its runs are the longest of all, and steady (CPU-bound).
        r[f"peer_{size}"] = peer(root, 1, args.budget)
    r["warm_10k"] = validate_warm(ledgers["10k"][0], scratch, args.repeat, args.budget)
    shutil.rmtree(scratch, ignore_errors=True)
    for size in ("10k", "100"):
        r[f"check_{size}"] = check_pr(ledgers[size][0], ledgers[size][1], max(args.repeat, 5))
    r["git_floor"] = git_floor(ledgers["10k"][0], max(args.repeat, 5))
    r["audit"] = audit(ledgers["10k"][0], args.audit_commits, LEDGERS["10k"][1])
    if args.site_records:
        r["site"] = site(args.out, args.site_records)
    elapsed = time.perf_counter() - started
    meta = ledgers["10k"][1]
    report = "\n".join([
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on {machine()}.",
        f"Load average (1, 5, 15 min) before: {load_before}; after: {load()}. "
        f"Whole run: {elapsed / 60:.1f} min (`{' '.join(sys.argv[1:]) or 'defaults'}`), of "
        f"which {generated / 60:.1f} min generating ledgers not cached in {args.out}.",
        f"The 10,000-record ledger: {meta['releases']} releases, "
        f"{int(str(meta['records'])) - int(str(meta['releases']))} incidents, "
        f"{meta['signoffs']} SSH-signed sign-offs, {meta['commits']} commits "
        "(benchmarks/generate.py, seed 1).",
        "Times are wall clock; CPU is the user + system time of the measured process and "
        "the children it waited for (ssh-keygen, git), steadier than wall time when other "
        "work shares the machine.", "", table(r, args), ""])
    failures = [f"{key}: {value.failures[0]}" for key, value in r.items()
                if isinstance(value, Runs) and value.failures]
    if failures:
        report += "\nRuns that failed (their times are in the table but mean little):\n" + \
            "\n".join(f"- {f}" for f in failures) + "\n"
    print(report)
    if args.write:
        args.write.write_text(report)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
