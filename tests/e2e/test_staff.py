"""Ministry staff in the browser: dashboard, browsing with filters, a city's explained suggestions, upload."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_support import DEMO_DIR, LiveServer
from playwright.sync_api import Page, expect

from services_support import stored_records

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_dashboard_shows_counts_index_and_last_ingest(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    with stored_records(live_server.settings) as records:
        counts = records.counts()
    sign_in("staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    for kind in ("city", "provider", "case"):
        expect(page.locator(f'[data-count="{kind}"]')).to_have_text(str(counts[kind]))
    status = page.locator("#index-status")
    expect(status).to_contain_text("Cities")
    expect(status.get_by_text("missing")).to_have_count(0)
    expect(page.locator("#last-ingest")).to_be_visible()
    shoot("staff-dashboard")


def test_browse_cities_with_filters_and_utf8_names(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cities").click()
    expect(page.locator("#result-count")).to_contain_text("results")
    page.get_by_label("Country").select_option("TR")
    expect(page).to_have_url(re.compile(r"country=TR"))
    expect(page.locator(".record-title")).to_have_count(3)
    expect(page.locator("#results")).to_contain_text("Tepebaşı")
    expect(page.locator("#results")).to_contain_text("Nilüfer")
    expect(page.locator("#results")).not_to_contain_text("Kukës")
    shoot("staff-cities-filtered")
    page.goto("/cities?language=ru")
    expect(page.locator("#results")).to_contain_text("Osh")
    page.get_by_role("link", name="Osh").click()
    osh = json.loads(
        next(
            line
            for line in (DEMO_DIR / "cities.jsonl").read_text("utf-8").splitlines()
            if '"id": "osh"' in line
        )
    )
    cyrillic = osh["summary"].split("\n")[0][:40]
    assert re.search("[а-яА-Я]", cyrillic)
    expect(page.locator("#summary")).to_contain_text(cyrillic)
    page.goto("/cases")
    page.get_by_label("Search (free text, any language)").fill("street names and house numbers")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#results")).to_contain_text("Search score")
    expect(page.locator(".record-title").first).to_contain_text("address")


def test_city_page_explains_each_suggestion(
    page: Page, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("staff")
    page.goto("/cities/kukes")
    expect(page.locator("#focal-point")).to_contain_text("a.dushku@kukes-municipality.example.org")
    for block in ("Suggested providers", "Comparable cities", "Mentor cities", "Useful case studies"):
        expect(page.get_by_role("heading", name=block)).to_be_visible()
    first = page.locator("#suggestions-providers .suggestion").first
    why = first.locator("summary", has_text="Why this suggestion")
    why.focus()
    page.keyboard.press("Enter")
    expect(first.locator("details.why")).to_have_attribute("open", "")
    expect(first.get_by_text("The need, as stated").first).to_be_visible()
    expect(first.get_by_text("What answers it").first).to_be_visible()
    expect(first.locator("blockquote mark").first).to_be_visible()
    expect(first.get_by_text("Context factors")).to_be_visible()
    expect(page.locator("#suggestions-mentors .pill-mentor").first).to_be_visible()
    shoot("staff-city-kukes")


def test_upload_shows_the_per_record_report(
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[[str], None],
    tmp_path: Path,
    shoot: Callable[[str], None],
) -> None:
    upload = tmp_path / "cities.jsonl"
    upload.write_text(
        json.dumps(
            {
                "id": "e2e-kyzyl-kiya",
                "name": "Кызыл-Кия",
                "country": "KG",
                "summary": "Уличное освещение и водоснабжение.",
            },
            ensure_ascii=False,
        )
        + "\n"
        + json.dumps({"id": "e2e-bad", "name": "Bad", "country": "ZZ", "summary": "x"})
        + "\n",
        encoding="utf-8",
    )
    sign_in("staff")
    page.get_by_role("link", name="Upload corpus").click()
    page.get_by_label("Corpus file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and ingest").click()
    report = page.locator("#upload-report")
    expect(report).to_contain_text("1 accepted, 1 rejected")
    expect(report).to_contain_text("cities.jsonl:2:")
    expect(report).to_contain_text("ZZ")
    shoot("staff-upload-report")
    expect(page).to_have_url(re.compile(r"/upload\?ingest=\d+$"))
    page.reload()  # shows the report again; the file is not sent again
    expect(page.locator("#upload-report")).to_contain_text("1 accepted, 1 rejected")
    page.goto("/cities?q=Кызыл")
    expect(page.locator(".record-title")).to_have_text(re.compile("Кызыл-Кия"))
    page.goto("/dashboard")
    expect(page.locator("#rejections")).to_contain_text("cities.jsonl:2:")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_a_title_without_spaces_wraps_instead_of_widening_the_page(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    """A case study whose title is one long word (an id pasted as a title) still fits the window."""
    title = "Kentsel" + "Dönüşüm" * 40
    headers = {"Authorization": f"Bearer {live_server.tokens['staff']}"}
    created = page.request.post(
        "/api/v1/cases",
        headers=headers,
        data={"id": "e2e-long-title", "title": title, "city": "Bursa", "country": "TR", "text": "A" * 400},
    )
    assert created.status == 201, created.text()
    try:
        sign_in("staff")
        width = page.viewport_size["width"] if page.viewport_size else 0
        for path in ("/cases/e2e-long-title", "/cases/e2e-long-title/edit"):
            page.goto(path)
            expect(page.locator("h1")).to_contain_text(title[:30])
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        shoot(f"staff-long-title-{width}")
    finally:
        page.request.delete("/api/v1/cases/e2e-long-title", headers=headers)
