"""Values that look valid but carry escapes, huge numbers, far-off times or pathological
Markdown: each is refused in one line or handled, beside its legal twin."""

from __future__ import annotations

import html
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import GitLedger, run_check
from sitebuild import mkdocs_build, site_repo

from opsledger.cli import main
from opsledger.site import richtext

INCIDENT = "incidents/INC-2026-0003/incident.yaml"
TITLE = "title: Search results lag behind catalog updates\n"
# Anything a terminal or a browser would act on rather than show.
RAW_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069]")


def one_problem(out: str) -> str:
    """The single problem line of `validate`'s text report (the last line is the count)."""
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[-1].endswith("1 problem"), out
    return lines[0]


# --- escaped characters -------------------------------------------------------------------

ESCAPES = [r"\u202e", r"\e[2J", r"\r", r"\x1b]8;;http://x\x07", r"\u200b"]


@pytest.mark.parametrize("escape", ESCAPES)
def test_escaped_invisible_character_is_refused(ledger: GitLedger, escape: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, TITLE, f'title: "Search results{escape} lag"\n')
    assert main(["validate"]) == 1
    line = one_problem(capsys.readouterr().out)
    assert line.startswith(f"{INCIDENT}:2:8: error OL009: title: ")
    assert not RAW_HIDDEN.search(line)


def test_escape_deep_in_a_record_names_its_field(ledger: GitLedger,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, "text: SEV3 declared.", r'text: "SEV3 \u2066declared\u2069."')
    assert main(["validate"]) == 1
    line = one_problem(capsys.readouterr().out)
    assert line.startswith(f"{INCIDENT}:22:59: ")
    assert "OL009: timeline.1.text: " in line and "U+2066, U+2069" in line


def test_escaped_key_is_refused(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, TITLE, TITLE + '"mode\\u200b": real\n')
    assert main(["validate"]) == 1
    line = one_problem(capsys.readouterr().out)
    assert f"{INCIDENT}:3:1: error OL009: key " in line and "U+200B" in line


def test_show_and_due_print_no_raw_escape(ledger: GitLedger,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, TITLE, 'title: "\\e[2J\\u202eowned"\n')
    ledger.edit("incidents/INC-2026-0001/incident.yaml", "title: Status page template",
                'title: "\\e]8;;http://x\\aStatus\\e]8;;\\a page template"')
    assert main(["show", "INC-2026-0003"]) == 2
    assert main(["due", "--now", "2026-11-27T12:00:00+00:00"]) in (0, 1)
    captured = capsys.readouterr()
    assert "INC-2026-0003 cannot be read" in captured.err
    assert not RAW_HIDDEN.search(captured.out + captured.err)


def test_ordinary_unicode_and_block_text_pass(ledger: GitLedger,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    title = "搜索结果延迟 — café, naïve Ürün 🚀 👩\u200d💻 ✔️"
    ledger.edit(INCIDENT, TITLE, f'title: "{title}"\n')
    ledger.edit(INCIDENT, "summary: |\n", "summary: |\n  Zeile eins: größer.\n\n  第二行\n")
    assert main(["validate"]) == 0
    assert main(["show", "INC-2026-0003"]) == 0
    # The emoji joiner is legal in a record; `show` still prints it escaped, as `\u200d`.
    assert "INC-2026-0003  搜索结果延迟 — café, naïve Ürün 🚀 👩" in capsys.readouterr().out


# --- numbers ------------------------------------------------------------------------------

AFFECTED = "customers_affected: 0"


@pytest.mark.parametrize("value, says", [
    ("9" * 5000, "(5000 characters) is outside the integers a record can hold"),
    (str(2**53), "9007199254740992 is outside the integers a record can hold "
                 "(-9007199254740991 to 9007199254740991)"),
    ("1e999", "1e999 is too large a number"),
])
def test_number_json_cannot_carry_is_refused(ledger: GitLedger, value: str, says: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, AFFECTED, f"customers_affected: {value}")
    assert main(["validate"]) == 1
    line = one_problem(capsys.readouterr().out)
    assert f"{INCIDENT}:19:23: error OL101: impact.customers_affected: " in line
    assert says in line
    assert main(["digest", "INC-2026-0003"]) == 2  # a message, not RFC 8785's exception
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "10000000001"])
def test_not_finite_or_implausible_count_is_refused(ledger: GitLedger, value: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, AFFECTED, f"customers_affected: {value}")
    assert main(["validate"]) == 1
    assert "OL101: impact.customers_affected: " in one_problem(capsys.readouterr().out)


def test_release_minutes_are_bounded(ledger: GitLedger,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = "releases/REL-2026-0001/release.yaml"
    assert "estimated_minutes: " in ledger.read(path)
    text = re.sub(r"estimated_minutes: \d+", "estimated_minutes: 600000", ledger.read(path))
    ledger.write(path, text)
    assert main(["validate"]) == 1
    line = one_problem(capsys.readouterr().out)
    assert "OL101: rollback.estimated_minutes: 600000 is greater than the maximum of 525600" \
        in line


def test_large_legal_numbers_pass_and_sign(ledger: GitLedger,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INCIDENT, AFFECTED, "customers_affected: 1_250_000")
    assert main(["validate"]) == 0
    assert main(["digest", "INC-2026-0003", "--explain"]) == 0
    assert '"customers_affected":1250000' in capsys.readouterr().out


# --- times --------------------------------------------------------------------------------

def test_time_outside_plausible_years_is_refused(ledger: GitLedger,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = "releases/REL-2026-0006/release.yaml"
    ledger.edit(path, "end: 2026-12-03T14:00:00+00:00", "end: 9999-12-31T23:59:59+00:00")
    assert main(["validate"]) == 1
    line = one_problem(capsys.readouterr().out)
    assert line.startswith(f"{path}:10:8: error OL102: ")
    assert "OL102: window.end: '9999-12-31T23:59:59+00:00' is outside the years 1970..2199" \
        in line


def test_resolved_far_in_the_future_does_not_crash_due(ledger: GitLedger,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = "incidents/INC-2026-0002/incident.yaml"
    ledger.edit(path, "resolved_at: 2026-10-14T15:05:00-04:00",
                "resolved_at: 9999-12-31T23:59:59+00:00")
    ledger.edit(path, "  due: 2026-10-24\n", "")
    assert main(["validate"]) == 1
    assert "timestamps.resolved_at: '9999-12-31T23:59:59+00:00' is outside the years " \
        "1970..2199" in capsys.readouterr().out
    assert main(["due", "--now", "2026-11-27T12:00:00+00:00"]) == 1
    assert "overdue" in capsys.readouterr().out


def test_times_at_the_edges_of_plausible_pass(ledger: GitLedger,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = "releases/REL-2026-0006/release.yaml"
    ledger.edit(path, "end: 2026-12-03T14:00:00+00:00", "end: 2199-12-31T23:59:59+00:00")
    assert main(["validate"]) == 0
    capsys.readouterr()
    main(["due", "--now", "1970-01-01T00:00:00Z"])
    # In 1970 only what was never done can be due: the programme's unrehearsed drills.
    lines = capsys.readouterr().out.splitlines()[:-1]
    assert lines and all("never rehearsed" in line for line in lines), lines


# --- postmortem.md: the same characters as the record's values ----------------------------

POSTMORTEM = "incidents/INC-2026-0003/postmortem.md"


@pytest.mark.parametrize(("char", "name"), [("\u202e", "U+202E"), ("\x1b[31m", "U+001B"),
                                            ("\x07", "U+0007"), ("\r", "U+000D"),
                                            ("\u200b", "U+200B")])
def test_hidden_character_in_a_postmortem_fails_check(ledger: GitLedger, char: str, name: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write(POSTMORTEM, f"# Postmortem\r\n\nRoot cause: {char}gnihton\n")
    ledger.commit("INC-2026-0003: postmortem", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1, out
    assert f"{POSTMORTEM}:3:13: error OL009: character {name} is not allowed" in out
    assert not RAW_HIDDEN.search(out)


def test_postmortem_with_crlf_tabs_and_unicode_passes_check(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write(POSTMORTEM, "# Postmortem\r\n\r\n\tcode\r\nRoot cause: größer, 搜索 "
                 "👩\u200d💻 ✔️\n")
    ledger.commit("INC-2026-0003: postmortem", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out


# --- linear Markdown ----------------------------------------------------------------------

POSTMORTEM_LIMIT = 256 * 1024


@pytest.mark.parametrize("char", ["[", "*", "`", "<"])
def test_pathological_postmortem_renders_fast_as_text(char: str) -> None:
    text = "Notes " + char * (POSTMORTEM_LIMIT - 1024)
    started = time.perf_counter()
    out = richtext.render(text)
    assert time.perf_counter() - started < 5
    assert html.escape(text, quote=False) in out
    assert "<a" not in out and "<em" not in out and "<code" not in out


@pytest.mark.parametrize("unit", ["[", "![", "*a", "1. a\n", "|x\n", "<http://x>"])
def test_worst_markdown_within_budget_still_renders_fast(unit: str) -> None:
    header = "|a|b|c|d|e|f|\n|-|-|-|-|-|-|\n" if unit == "|x\n" else ""
    count = richtext.BUDGET
    while richtext._cost(header + unit * count) > richtext.BUDGET:
        count -= count // 50
    text = header + unit * count
    assert richtext._cost(text) > richtext.BUDGET * 0.9
    started = time.process_time()  # CPU time: other jobs on a shared runner do not count
    out = richtext.render(text)
    assert time.process_time() - started < 5
    assert not out.startswith("<pre>")  # rendered as Markdown, not shown as written


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_carriage_return_lines_count_against_the_budget(newline: str) -> None:
    # markdown-it breaks lines at a lone CR as well: 240 KB of "a\r" once cost seconds.
    text = ("a" + newline) * (POSTMORTEM_LIMIT // (1 + len(newline)) - 1024)
    started = time.process_time()
    out = richtext.render(text)
    assert time.process_time() - started < 1
    assert out.startswith("<pre>") and "\r" not in out


def test_carriage_return_lines_render_as_lines() -> None:
    out = richtext.render("# Summary\r\rThe *pool*\r\n- one\r- two\r")
    assert "<h3>Summary</h3>" in out and "<em>pool</em>" in out
    assert "<li>one</li>" in out and "<li>two</li>" in out and "\r" not in out


def test_ordinary_postmortem_markdown_renders() -> None:
    out = richtext.render("# Summary\n\nThe *pool* was [small](https://example.com).\n\n"
                          "| step | took |\n|:-----|-----:|\n| fix | 5 min |\n\n"
                          "<script>alert(1)</script>\n")
    assert "<h3>Summary</h3>" in out and "<em>pool</em>" in out
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">small</a>' in out
    assert '<th align="left">step</th>' in out and '<td align="right">5 min</td>' in out
    assert "&lt;script&gt;" in out and "<script>" not in out


# --- the site -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return site_repo(tmp_path_factory.mktemp("edges") / "ledger")


def test_site_builds_with_times_at_the_plausible_edge(site_root: Path) -> None:
    release = site_root / "releases" / "REL-2026-0006" / "release.yaml"
    text = release.read_text()
    release.write_text(text.replace("end: 2026-12-03T14:00:00+00:00",
                                    "end: 2199-12-31T23:59:59+00:00"))
    try:
        done = mkdocs_build(site_root, "--strict")
        assert done.returncode == 0, done.stderr
        assert (site_root / "public" / "releases" / "REL-2026-0006.html").is_file()
    finally:
        release.write_text(text)


def test_site_build_fails_with_a_message_on_a_time_in_year_9999(site_root: Path) -> None:
    release = site_root / "releases" / "REL-2026-0006" / "release.yaml"
    text = release.read_text()
    release.write_text(text.replace("end: 2026-12-03T14:00:00+00:00",
                                    "end: 9999-12-31T23:59:59+00:00"))
    try:
        done = mkdocs_build(site_root, "--strict")
    finally:
        release.write_text(text)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "releases/REL-2026-0006/release.yaml:10:8: error OL102: window.end: " in done.stderr
    assert "outside the years 1970..2199" in done.stderr


STAMPS_BLOCK = re.compile(r"^timestamps:\n(?:  .*\n)+", re.MULTILINE)
NOT_A_MAPPING = ["timestamps: soon\n", "timestamps: [2026-10-14T13:02:00-04:00]\n"]


def reshaped_timestamps(text: str, shape: str) -> str:
    """The incident with its timestamps block replaced by a value that is not a mapping."""
    changed = STAMPS_BLOCK.sub(shape, text, count=1)
    assert changed != text
    return changed


@pytest.mark.parametrize("shape", NOT_A_MAPPING)
def test_timestamps_of_the_wrong_shape_do_not_crash_reports(
        ledger: GitLedger, shape: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = ledger.path("incidents/INC-2026-0002/incident.yaml")
    path.write_text(reshaped_timestamps(path.read_text(), shape))
    assert main(["validate"]) == 1
    assert "incidents/INC-2026-0002/incident.yaml" in capsys.readouterr().out
    assert main(["metrics"]) == 0
    assert main(["due", "--now", "2026-11-27T12:00:00+00:00"]) in (0, 1)


@pytest.mark.parametrize("shape", NOT_A_MAPPING)
def test_site_builds_over_timestamps_of_the_wrong_shape(site_root: Path, shape: str) -> None:
    incident = site_root / "incidents" / "INC-2026-0002" / "incident.yaml"
    text = incident.read_text()
    incident.write_text(reshaped_timestamps(text, shape))
    try:
        done = mkdocs_build(site_root)
    finally:
        incident.write_text(text)
    # Reported as a problem (the strict build then stops), never crashed on.
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    assert "incidents/INC-2026-0002/incident.yaml:11:13: error OL101: timestamps: " \
        in done.stderr


@pytest.mark.parametrize("layout", ["docs_dir", "parent"])
def test_linked_docs_dir_is_refused_before_anything_is_copied(tmp_path: Path,
                                                              layout: str) -> None:
    root = site_repo(tmp_path / "ledger")
    shutil.rmtree(root / "site")
    if layout == "docs_dir":
        (root / "site").symlink_to(".git")
        linked = root / "site"
    else:  # docs_dir: pages/site, where pages -> .git/..
        (root / "pages").symlink_to(".git")
        (root / ".git" / "site").symlink_to(".")
        config = (root / "mkdocs.yml").read_text()
        (root / "mkdocs.yml").write_text(config.replace("docs_dir: site", "docs_dir: pages/site"))
        linked = root / "pages"
    done = mkdocs_build(root, "--strict")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"opsledger: {linked} is a symbolic link; docs_dir" in done.stderr
    assert not (root / "public").exists()
