"""The site as a manager reads it: people by name, keys as words, titles first, record ids
as links, a build stamp on every page."""

from __future__ import annotations

import subprocess
from pathlib import Path

from opsledger.site.idlinks import link_ids
from opsledger.site.richtext import replace_section


def _link(target: str) -> str:
    return f"../{target}.html"


def test_people_appear_by_name_with_the_login_on_hover(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0001.html").read_text()
    roles = page.split('id="roles"')[1].split("</table>")[0]
    assert '<td>Incident commander</td><td><span class="ol-person" title="heidi">Heidi Larsen' \
        in roles
    assert ">incident_commander<" not in page and ">heidi<" not in page
    release = (built / "releases" / "REL-2026-0004.html").read_text()
    assert '<span class="ol-person" title="carol">Carol Chen</span>' in release


def test_fields_and_event_types_are_words(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0001.html").read_text()
    assert '<span class="ol-event-type">Status change</span>' in page
    assert "<td>Impact started</td>" in page
    for key in ("status_change", "impact_started_at", "role_change"):
        assert f">{key}<" not in page


def test_a_record_page_opens_with_its_title_and_the_id_as_a_badge(built: Path) -> None:
    page = (built / "releases" / "REL-2026-0004.html").read_text()
    article = page.split('<article class="md-content__inner md-typeset">')[1]
    heading = article.split("</h1>")[0]
    assert '<span class="ol-title">' in heading and 'class="ol-badge ol-id">REL-2026-0004<' in heading
    assert article.count("<h1") == 1
    assert "<title>REL-2026-0004 - Operations ledger</title>" in page


def test_record_ids_in_text_link_to_their_pages(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0001.html").read_text()
    summary = page.split('class="ol-user ol-lead"')[1].split("</div>")[0]
    assert '<a href="../releases/REL-2026-0002.html" class="ol-ref">REL-2026-0002</a>' in summary


def test_only_known_ids_outside_code_and_links_become_links() -> None:
    known = {"REL-2026-0002"}
    html = ("<p>See REL-2026-0002 and REL-2026-0099, <code>REL-2026-0002</code>, "
            '<a href="x">REL-2026-0002</a>, XREL-2026-0002.</p>')
    assert link_ids(html, known, _link) == (
        '<p>See <a href="../releases/REL-2026-0002.html" class="ol-ref">REL-2026-0002</a> '
        "and REL-2026-0099, <code>REL-2026-0002</code>, "
        '<a href="x">REL-2026-0002</a>, XREL-2026-0002.</p>')


def test_every_page_says_when_and_from_which_commit_it_was_built(built: Path) -> None:
    root = built.parent
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()
    # In the policy's display zone (Europe/Berlin), named; the machine-readable time in UTC.
    stamp = ('<span class="ol-stamp">Built <time datetime="2026-11-27T12:00:00+00:00">'
             f"2026-11-27 13:00 CET</time> from commit <code>{head[:12]}</code></span>")
    for page in ("index.html", "metrics.html", "incidents/INC-2026-0002.html",
                 "process/drills.html"):
        footer = (built / page).read_text().split('<footer class="md-footer">')[1]
        assert stamp in footer, page


def test_open_incidents_lead_the_home_page_with_age_and_latest_update(built: Path) -> None:
    home = (built / "index.html").read_text()
    article = home.split('<article class="md-content__inner md-typeset">')[1]
    assert article.index('id="open-incidents"') < article.index('id="upcoming"') \
        < article.index('class="ol-tiles"')
    listed = article.split('id="open-incidents"')[1].split('id="upcoming"')[0].split("</li>")
    first = next(item for item in listed if "INC-2026-0003" in item)
    # INC-2026-0003 was declared 2026-11-26 09:20+01:00; the build's clock is 11-27 12:00 UTC
    assert "INC-2026-0003" in first and "Open for <strong>27 h 40 min</strong>" in first
    # its last event (11:00+01:00, in the site repository's second commit) is older than
    # SEV3's update interval
    assert "Last update <strong>26 h 00 min</strong> ago" in first
    assert ">update overdue<" in first and "Partition rebalanced." in first


def test_an_open_incident_page_says_how_long_and_what_was_said_last(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0004.html").read_text()
    live = page.partition('class="ol-live')[2].split('<h2 id="roles">')[0]
    assert "Open for <strong>2 h 55 min</strong>" in live and "Opened from two customer" in live
    assert 'data-ol-reverse' in page  # the timeline can be turned newest first
    closed = (built / "incidents" / "INC-2026-0001.html").read_text()
    assert 'class="ol-live' not in closed


def test_action_items_appear_once_and_the_postmortem_links_to_them(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0001.html").read_text()
    postmortem = page.split('class="ol-user ol-postmortem"')[1].split('<h2 id="root-causes"')[0]
    assert '<a href="#action-items"' in postmortem and "AI-1" not in postmortem
    assert page.count("Inject production-like latency") == 0  # the postmortem's own wording
    assert page.count("<td>AI-2</td>") == 1


def test_replace_section_stops_at_the_next_heading_of_its_level() -> None:
    text = ("# Report\n## Action items\n| a | b |\n### detail\nx\n```\n## Action items\n```\n"
            "## Lessons\nkeep\n")
    replaced, found = replace_section(text, ("action items",), "[below](#action-items)")
    assert found
    assert replaced == "# Report\n## Action items\n\n[below](#action-items)\n\n## Lessons\nkeep\n"
    fenced = "```\n## Action items\n```\nkept\n"
    assert replace_section(fenced, ("action items",), "gone") == (fenced, False)
