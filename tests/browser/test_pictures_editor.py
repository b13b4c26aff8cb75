"""An editor gives an article a lead image and a picture in its body in the browser, readers
see them, saving it again untouched changes nothing; the editor and the media library at a
desk's width and a phone's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_writing import log_in
from tests.media import pictures

WIDTHS = {"desk": 1280, "phone": 390}


@pytest.fixture
def picture_files(tmp_path: Path) -> tuple[Path, Path]:
    """A landscape photo for the lead, a chart for the body, as files on the editor's disk."""
    lead = tmp_path / "harbour-at-dusk.jpg"
    lead.write_bytes(pictures.jpeg(1800, 1200, (40, 70, 120)))
    chart = tmp_path / "ferry-chart.png"
    chart.write_bytes(pictures.png(900, 500, (230, 180, 40)))
    return lead, chart


def loaded(page: Page, selector: str) -> bool:
    """Whether the image is shown (fetched and decoded, not a broken icon), waiting for it a
    few seconds; a timeout fails the test."""
    shown = "s => { const img = document.querySelector(s); return img.naturalWidth > 0 }"
    page.wait_for_function(shown, arg=selector, timeout=5000)
    return True


def test_an_editor_publishes_an_article_with_pictures(
    browser: Browser, live_server: str, picture_files, screenshot
):
    lead, chart = picture_files
    page = browser.new_page(viewport={"width": WIDTHS["desk"], "height": 900})
    log_in(page, live_server)
    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="Write a new article").click()
    page.get_by_role("textbox", name="Title", exact=True).fill("Harbour lamps lit again")
    page.get_by_label("Body (Markdown)").fill("The lamps came back on at six.")
    page.get_by_label("Lead image").set_input_files(lead)
    page.get_by_label("Alt text: what the picture shows", exact=True).fill(
        "The harbour at dusk, its new lamps lit"
    )
    page.get_by_label("Caption").fill("The quay on Friday")
    page.get_by_label("Credit (for example: Photo: A. Person)").fill("Photo: Night Editor")
    page.get_by_label("Add a picture to the body").set_input_files(chart)
    page.get_by_label("Its alt text: what the picture shows").fill("Ferry crossings by month")
    page.get_by_label("Status").select_option("published")
    # Previewed first: the files are uploaded then, and Save needs no second choosing.
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".picture-placed")).to_contain_text(
        "The picture was added at the end of the body"
    )
    preview = page.locator(".editor-preview")
    expect(preview.locator('img[alt="Ferry crossings by month"]')).to_be_visible()
    expect(preview.locator('img[alt="The harbour at dusk, its new lamps lit"]')).to_be_visible()
    screenshot(page, "preview")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Article published.")
    expect(page.get_by_label("Body (Markdown)")).to_have_value(
        re.compile(r"!\[Ferry crossings by month\]\(/media/[^)]+-900\.png\)")
    )
    expect(page.locator(".picture-chosen img")).to_be_visible()
    assert loaded(page, ".picture-chosen img")

    reader = browser.new_page(viewport={"width": WIDTHS["desk"], "height": 900})
    reader.goto(live_server + "/")
    reader.get_by_role("link", name="Harbour lamps lit again").first.click()
    body_picture = reader.locator('.article-body img[alt="Ferry crossings by month"]')
    expect(body_picture).to_be_visible()
    assert loaded(reader, '.article-body img[alt="Ferry crossings by month"]')
    lead_image = reader.locator('img[alt="The harbour at dusk, its new lamps lit"]')
    expect(lead_image).to_be_visible()
    assert loaded(reader, 'img[alt="The harbour at dusk, its new lamps lit"]')
    expect(reader.get_by_text("The quay on Friday")).to_be_visible()

    # Opened again and saved without a change, nothing is written.
    page.reload()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Nothing changed, so nothing was saved.")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_editor_and_the_library_at_a_desk_and_on_a_phone(
    browser: Browser, live_server: str, picture_files, screenshot, width
):
    lead, _ = picture_files
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    log_in(page, live_server)
    page.goto(live_server + "/admin/media/")
    page.get_by_label("Choose a picture to upload").set_input_files(lead)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("in the library")
    expect(page.locator(".media-item").first).to_be_visible()
    assert loaded(page, ".media-item img")
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll)
    screenshot(page, f"library-{width}")

    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="Write a new article").click()
    page.get_by_role("textbox", name="Title", exact=True).fill("Pictures, refused politely")
    page.get_by_label("Body (Markdown)").fill("A body.")
    page.get_by_label("Lead image").set_input_files(lead)
    page.get_by_role("button", name="Save").click()  # no alt text: refused, picture kept
    expect(page.locator("#lead_image_alt-error")).to_be_visible()
    expect(page.locator(".picture-chosen img")).to_be_visible()
    assert page.evaluate(no_sideways_scroll)
    screenshot(page, f"editor-{width}")
