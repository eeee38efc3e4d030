"""Driving Debian's Chromium like a person: with the keyboard alone, checking every page with axe-core (WCAG 2.1
A and AA), at full width and at 320 px, keeping a screenshot of each step.

A ``Person`` is one browser profile (a fresh user-data dir, its own cookies). Every interaction goes through the
keyboard: ``tab_to`` presses Tab (or Shift+Tab) until the wanted element has the focus, so a step that passes
proves the element is reachable and operable without a mouse.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".data" / "artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_TABS = 600


@dataclass
class Journal:
    """Screenshots and axe results of the whole run, numbered in the order they happened."""

    directory: Path
    count: int = 0
    pages_checked: list[str] = field(default_factory=list)

    def next_name(self, name: str) -> Path:
        self.count += 1
        return self.directory / f"{self.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}"


class Person:
    def __init__(
        self, playwright: Playwright, base_url: str, journal: Journal, who: str, javascript: bool = True
    ) -> None:
        self.base_url = base_url
        self.journal = journal
        self.who = who
        self.context: BrowserContext = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix=f"chromium-{who}-"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            locale="da-DK",
            timezone_id="Europe/Copenhagen",
            java_script_enabled=javascript,
            accept_downloads=True,
        )
        self.context.set_default_timeout(20_000)
        self.page: Page = self.context.pages[0] if self.context.pages else self.context.new_page()

    def close(self) -> None:
        self.context.close()

    # --- moving around ------------------------------------------------------------------------------------------
    def open(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"

    def focused(self, selector: str) -> bool:
        return bool(
            self.page.evaluate(
                "(s) => { const a = document.activeElement; return !!a && a.matches(s); }", selector
            )
        )

    def tab_to(self, selector: str) -> None:
        """Tab (forwards, or backwards when the element lies before the focus) until ``selector`` has the focus."""
        self.page.wait_for_selector(selector, state="attached")
        if self.focused(selector):
            return
        before = self.page.evaluate(
            """(s) => { const t = document.querySelector(s); const a = document.activeElement;
                        if (!a || a === document.body) return false;
                        return !!(t.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING); }""",
            selector,
        )
        key = "Shift+Tab" if before else "Tab"
        for _ in range(MAX_TABS):
            self.page.keyboard.press(key)
            if self.focused(selector):
                visible = self.page.evaluate(
                    """() => { const a = document.activeElement; const s = getComputedStyle(a);
                               return s.outlineStyle !== 'none' || s.boxShadow !== 'none' || a.matches(':focus-visible'); }"""
                )
                assert visible, f"{selector} has the focus but shows no focus mark"
                return
        raise AssertionError(f"{selector} is not reachable with the keyboard on {self.page.url}")

    def press(self, selector: str, key: str = "Enter") -> None:
        """Follow a link (or press a button that leads to another page)."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state()

    def type(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        if text:
            self.page.keyboard.type(text)

    def type_date(self, selector: str, iso_date: str) -> None:
        """A date as a Danish person types it: dd-mm-åååå."""
        year, month, day = iso_date.split("-")
        self.type(selector, f"{day}-{month}-{year}")

    def check(self, selector: str, on: bool = True) -> None:
        self.tab_to(selector)
        if self.page.is_checked(selector) != on:
            self.page.keyboard.press("Space")
        assert self.page.is_checked(selector) == on

    def choose(self, selector: str, value: str) -> None:
        """A select: arrow keys until its value is ``value``."""
        self.tab_to(selector)
        options = self.page.eval_on_selector(selector, "(s) => Array.from(s.options).map(o => o.value)")
        assert value in options, f"{value} not among {options}"
        current = options.index(self.page.eval_on_selector(selector, "(s) => s.value"))
        want = options.index(value)
        for _ in range(abs(want - current)):
            self.page.keyboard.press("ArrowDown" if want > current else "ArrowUp")
        assert self.page.eval_on_selector(selector, "(s) => s.value") == value

    def open_details(self, summary: str) -> None:
        """Open a disclosure (<details>) from its <summary> with the keyboard."""
        self.tab_to(summary)
        if not self.page.evaluate("() => document.activeElement.parentElement.open"):
            self.page.keyboard.press("Enter")
        assert self.page.evaluate("() => document.activeElement.parentElement.open")

    def submit(self, selector: str) -> None:
        """Press a submit button and wait for the next page, or for the part htmx refreshed."""
        self.tab_to(selector)
        by_htmx = self.page.evaluate(
            """() => { const f = document.activeElement.form;
                       return !!(window.htmx && f && f.hasAttribute('hx-post') && !f.hasAttribute('hx-trigger')); }"""
        )
        self._press_enter(by_htmx)

    def follow(self, selector: str) -> None:
        """Follow a link with the keyboard: to the next page, or, with htmx, to the part it refreshes."""
        self.tab_to(selector)
        self._press_enter(
            self.page.evaluate("() => !!(window.htmx && document.activeElement.hasAttribute('hx-get'))")
        )

    def _press_enter(self, by_htmx: bool) -> None:
        if by_htmx:
            with self.page.expect_event("console", predicate=lambda m: m.text == "bp:settled"):
                self.page.evaluate(
                    """() => document.addEventListener('htmx:afterSettle', () => console.log('bp:settled'), {once: true})"""
                )
                self.page.keyboard.press("Enter")
        else:
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        self.page.wait_for_load_state()

    def text(self) -> str:
        return self.page.inner_text("body")

    # --- checking each page -------------------------------------------------------------------------------------
    def axe(self) -> list[dict[str, Any]]:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=f"{self.base_url}/static/vendor/axe/axe.min.js")
        result = self.page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations: list[dict[str, Any]] = result["violations"]
        return violations

    def check_page(self, name: str, *, narrow: bool = True) -> None:
        """Screenshot, axe (0 violations), lang="da", the footer's accessibility statement; then the same at 320 px
        with nothing wider than the screen."""
        path = self.journal.next_name(f"{self.who}-{name}")
        self.page.screenshot(path=f"{path}.png", full_page=True)
        assert self.page.get_attribute("html", "lang") == "da"
        if self.page.query_selector("footer"):
            assert self.page.query_selector('footer a[href="/tilgaengelighed"]'), (
                "no accessibility statement link"
            )
        violations = self.axe()
        self.journal.pages_checked.append(f"{self.who}: {name} ({self.page.url})")
        assert not violations, _describe(violations, self.page.url)
        if narrow:
            self.page.set_viewport_size({"width": 320, "height": 800})
            try:
                self.page.wait_for_timeout(100)
                self.page.screenshot(path=f"{path}-320px.png", full_page=True)
                wide = self.page.evaluate(
                    """() => Array.from(document.querySelectorAll('body *')).filter(e => {
                           const r = e.getBoundingClientRect();
                           if (r.width === 0 || r.right <= 321) return false;
                           for (let p = e.parentElement; p; p = p.parentElement) {
                             const o = getComputedStyle(p).overflowX;
                             if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
                           }
                           return true; }).map(e => e.tagName + '.' + e.className).slice(0, 5)"""
                )
                assert not wide, f"wider than 320 px on {self.page.url}: {wide}"
                violations = self.axe()
                assert not violations, "at 320 px: " + _describe(violations, self.page.url)
            finally:
                self.page.set_viewport_size({"width": 1280, "height": 900})


def _describe(violations: list[dict[str, Any]], url: str) -> str:
    return f"axe on {url}: " + json.dumps(
        [
            {
                "id": v["id"],
                "impact": v.get("impact"),
                "nodes": [n["target"] for n in v["nodes"][:3]],
                "help": v["help"],
            }
            for v in violations
        ],
        ensure_ascii=False,
        indent=1,
    )
