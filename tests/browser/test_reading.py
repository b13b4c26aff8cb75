"""A reader in a real browser: home page, article anatomy, author page, feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.articles.pictures import pictured_story

HEADLINE = "Tide tables go digital after a century on paper"
ARTICLE_PATH = "/articles/tide-tables-go-digital-after-a-century-on-paper"
ATOM = "{http://www.w3.org/2005/Atom}"


def open_imported_article(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name=HEADLINE).click()
    expect(page).to_have_url(live_server + ARTICLE_PATH)


def test_reader_follows_a_headline_and_sees_every_part_in_order(
    page: Page, live_server, screenshot
):
    page.goto(live_server + "/")
    expect(page.locator(".site-name")).to_have_text("The Ledger")
    # One story leads, then six more (blog.articles.front); the masthead is the one h1.
    expect(page.locator(".lead-story")).to_have_count(1)
    expect(page.locator(".lead-story, .card")).to_have_count(7)
    expect(page.locator("h1")).to_have_text("The Ledger")
    screenshot(page, "home")

    open_imported_article(page, live_server)
    parts = {
        "site name": page.locator(".site-name"),
        "tagline": page.locator(".site-tagline"),
        "headline": page.locator("h1"),
        "standfirst": page.locator(".standfirst"),
        "byline": page.locator(".byline"),
        "body": page.locator(".article-body"),
        "source": page.locator(".source"),
        "author box": page.locator(".author-box"),
        "reply": page.locator("#respond"),
    }
    expect(parts["tagline"]).to_have_text("Independent reporting, open to your replies")
    expect(page.locator("h1")).to_have_count(1)
    expect(parts["headline"]).to_have_text(HEADLINE)
    expect(parts["standfirst"]).to_have_text(
        "The harbour office has stopped printing its tide almanac. Fishers are split."
    )
    expect(parts["byline"].get_by_role("link", name="Priya Castell")).to_be_visible()
    expect(parts["byline"].locator("time")).to_have_attribute("datetime", "2026-11-27T06:00:00Z")
    expect(parts["byline"].locator("time")).to_have_text("27 November 2026")
    expect(parts["body"].locator("p")).to_have_count(3)
    expect(parts["source"]).to_have_text("Original Source: Harbour office notice")
    expect(parts["source"].get_by_role("link")).to_have_attribute(
        "href", "https://example.org/harbour/tides"
    )
    expect(parts["author box"].get_by_role("link", name="Priya Castell")).to_be_visible()
    expect(parts["author box"]).to_contain_text("covers the coast, its trades and its weather")
    expect(parts["reply"].get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(parts["reply"]).to_contain_text(
        "Your email address will not be published. Required fields are marked *"
    )
    tops = {name: part.first.bounding_box()["y"] for name, part in parts.items()}
    assert list(tops.values()) == sorted(tops.values()), tops
    screenshot(page, "article")


def test_author_link_leads_to_biography_and_back(page: Page, live_server, screenshot):
    open_imported_article(page, live_server)
    page.locator(".author-box").get_by_role("link", name="Priya Castell").click()
    expect(page).to_have_url(live_server + "/authors/priya-castell")
    expect(page.locator("h1")).to_have_text("Priya Castell")
    expect(page.locator(".author-header .author-bio")).to_contain_text("covers the coast")
    screenshot(page, "author")
    page.get_by_role("link", name=HEADLINE).click()
    expect(page.locator("h1")).to_have_text(HEADLINE)


def test_the_feed_lists_the_imported_article(page: Page, live_server):
    response = page.request.get(live_server + "/feed.atom")
    assert response.ok
    feed = ET.fromstring(response.body())
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    # Other modules' tests publish on the same live site, so it need not be the newest.
    assert HEADLINE in titles


def test_pages_work_without_javascript(browser: Browser, live_server, screenshot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        open_imported_article(page, live_server)
        expect(page.locator("#respond")).to_contain_text("Leave a Reply")
        page.get_by_role("link", name="Coast").first.click()
        expect(page.locator("h1")).to_have_text("Coast")
        screenshot(page, "category-no-js")
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 768, 1440])
def test_article_fits_the_screen_from_phone_to_desktop(
    browser: Browser, live_server, width, screenshot
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        open_imported_article(page, live_server)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"horizontal scrolling at {width}px ({scroll_width}px)"
        screenshot(page, f"article-{width}")
    finally:
        context.close()


def test_keyboard_focus_is_visible(page: Page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"


def test_missing_page_is_the_styled_404(page: Page, live_server, screenshot):
    response = page.goto(live_server + "/articles/not-here")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not Found")
    expect(page.locator(".site-name")).to_be_visible()
    screenshot(page, "404")


@pytest.mark.parametrize("width", [390, 1280])
def test_checkboxes_sit_before_their_labels_at_their_own_size(browser: Browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for path, label in (
            ("/login", "Remember me"),
            (ARTICLE_PATH, "Save my name, email, and website"),
            (ARTICLE_PATH, "Notify me of follow-up comments by email"),
            (ARTICLE_PATH, "Notify me of new comments on this article"),
        ):
            page.goto(live_server + path)
            box = page.get_by_role("checkbox", name=label).bounding_box()
            text = page.locator("label", has_text=label).bounding_box()
            assert box["width"] <= 24, (path, box)  # a checkbox, not a stretched bar
            assert box["x"] + box["width"] <= text["x"], (path, box, text)  # before its label
            assert abs(box["y"] - text["y"]) < 12, (path, box, text)  # on the label's line
            assert text["width"] > 80, (path, text)  # the label is not squeezed
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_reader_finds_an_article_through_the_archive(browser: Browser, live_server, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(live_server + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive", level=1)).to_be_visible()
    year = page.get_by_role("region", name="2026")
    year.get_by_role("link", name="November").click()
    expect(page.get_by_role("heading", name="November 2026", level=1)).to_be_visible()
    day = page.get_by_role("region", name="27 November 2026")
    day.get_by_role("link", name=HEADLINE).click()
    expect(page).to_have_url(live_server + ARTICLE_PATH)
    page.go_back()
    page.get_by_role("link", name="2026").first.click()
    expect(page.get_by_role("heading", name="2026", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="November")).to_be_visible()
    page.close()


#: Adds up the page's layout shifts (not those after input) as they are reported.
COUNT_SHIFTS = """
window.layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.layoutShift += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""


@pytest.mark.parametrize("width", [360, 390, 1280, 1440])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_front_and_section_pages_fit_and_hold_still_as_pictures_load(
    browser: Browser, live_app, live_server, width, scheme, screenshot
):
    story = pictured_story(live_app)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_init_script(COUNT_SHIFTS)
    page = context.new_page()
    try:
        for name, path in (
            ("home", "/"),
            ("category", story["category"]),
            ("article", story["article"]),
        ):
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{name}: horizontal scrolling at {width}px"
            lead = page.locator(".lead-story img, .lead-figure img").first
            expect(lead).to_have_attribute("fetchpriority", "high")
            assert lead.evaluate("img => img.complete && img.naturalWidth > 0"), name
            assert page.evaluate("window.layoutShift") == 0, f"{name} shifted at {width}px"
            screenshot(page, f"{name}-{width}-{scheme}")
    finally:
        context.close()


def test_the_front_page_reads_in_order_without_css(browser: Browser, live_app, live_server):
    """Stylesheet off: the masthead, the lead story, the next stories, then the sections."""
    pictured_story(live_app)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.route("**/style.css*", lambda route: route.abort())
        page.goto(live_server + "/")
        headings = page.locator("h1, h2, h3").evaluate_all(
            "hs => hs.map(h => h.tagName + ' ' + h.textContent.trim())"
        )
        assert headings[0] == "H1 The Ledger"
        assert headings[1] == "H2 A lock keeper's last season"
        assert headings[2] == "H2 Latest" and headings[3].startswith("H3 ")
        sections = [h for h in headings if h.startswith("H2 ")][2:]
        assert sections and "H2 River" not in sections  # its one story leads, above
        body = page.locator("main").inner_text()
        assert body.index("A lock keeper") < body.index("Latest") < body.index(sections[0][3:])
    finally:
        context.close()
