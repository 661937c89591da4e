"""Helpers for tests of forms with pickers (views/auswahl)."""

from __future__ import annotations

import re


def picker_html(html: str, name: str) -> str:
    """The rendered picker of the field `name` (search box, matches, choice)."""
    match = re.search(
        r'<div class="auswahl"[^>]*data-auswahl-name="' + re.escape(name) + r'".*?</fieldset>', html, re.S
    )
    assert match, f"kein Auswahlfeld {name}"
    return match.group(0)


def picker_options(html: str, name: str) -> dict[str, str]:
    """value → label of the radio buttons/checkboxes the picker `name` offers."""
    block = picker_html(html, name)
    options = {}
    for value, label in re.findall(
        r'<input class="kern-form-check__(?:radio|checkbox)"[^>]*value="([^"]*)"[^>]*>\s*<label[^>]*>(.*?)</label>',
        block,
        re.S,
    ):
        label = re.sub(r'<span class="auswahl__hinweis">.*?</span>', "", label, flags=re.S)
        options[value] = re.sub(r"<[^>]+>", "", label).strip()
    return options


def picker_checked(html: str, name: str) -> list[str]:
    block = picker_html(html, name)
    return re.findall(r'<input class="kern-form-check__(?:radio|checkbox)"[^>]*value="([^"]*)"[^>]*checked', block)


def field_error(html: str, field_id: str) -> str:
    """The German message shown next to the field (the `field` macro's error paragraph)."""
    match = re.search(r'id="' + re.escape(field_id) + r'-error".*?</p>', html, re.S)
    assert match, f"keine Meldung am Feld {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(0))


def pick_in_browser(page, combobox, text: str, query: str | None = None) -> None:
    """Playwright, keyboard only: type into a picker's combobox, arrow down to the option that
    contains `text`, press Enter."""
    combobox.focus()
    page.keyboard.type(query or text[:6], delay=20)
    listbox = page.locator("#" + combobox.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for()
    for _ in range(listbox.locator("[role=option]").count()):
        page.keyboard.press("ArrowDown")
        active = combobox.get_attribute("aria-activedescendant")
        if active and text in page.locator(f"#{active}").inner_text():
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"{text} nicht in den Vorschlägen")
