"""A person in a real browser: headless Debian chromium (never a downloaded one) driven by
playwright.

The annotator logs in, fixes a span on pushed records (German: an article inside an ORG span;
Chinese: a LOC the machine missed), submits; ``pull`` then merges what they did.
Screenshots of the review screen are kept in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from annotation.review import pull_run, push_run
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import ParallelSample, Status

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Client rectangle of characters [start, end) of the span field's text.
_RECT = """([start, end]) => {
  const p = document.querySelector('p.span-annotation__field');
  const range = document.createRange();
  range.setStart(p.firstChild, start); range.setEnd(p.firstChild, end);
  const rects = range.getClientRects(), a = rects[0], b = rects[rects.length - 1];
  return {x1: a.left + 1, y: a.top + a.height / 2, x2: b.right - 1};
}"""


def _drag_select(page: Page, start: int, end: int) -> None:
    """Select characters with the mouse, as a person does (press, drag, release)."""
    r = page.evaluate(_RECT, [start, end])
    page.mouse.move(r["x1"], r["y"])
    page.mouse.down()
    page.mouse.move((r["x1"] + r["x2"]) / 2, r["y"], steps=4)
    page.mouse.move(r["x2"], r["y"], steps=4)
    page.mouse.up()


def _fix_span(page: Page, url: str, label: str, start: int, end: int, shot: Path) -> None:
    page.goto(url)
    page.wait_for_selector("p.span-annotation__field", timeout=30_000)
    page.locator(f'div[role=button][aria-label="{label}"]').click()
    _drag_select(page, start, end)
    page.locator('div[role=button][aria-label="fixed by me"]').click()
    page.screenshot(path=str(shot))
    with page.expect_response(lambda r: "response" in r.url
                              and r.request.method in ("POST", "PUT")) as answer:
        page.get_by_role("button", name="Submit").click()
    assert answer.value.status in (200, 201), f"Submit failed: HTTP {answer.value.status}"


def _wait_submitted(owner, workspace: str, name: str, timeout: float = 20.0) -> None:
    ds = owner.datasets(name, workspace=owner.workspaces(workspace))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r._model.responses and r._model.responses[0].status == "submitted"
               for r in ds.records(with_responses=True)):
            return
        time.sleep(0.5)
    raise AssertionError(f"the browser's answer never reached Argilla ({name})")


def test_annotator_fixes_spans_in_the_browser(run_dir, stack_settings, owner, annotator):
    samples = read_jsonl(run_dir / "aligned.jsonl", ParallelSample)
    write_jsonl(run_dir / "aligned.jsonl",
                [s for s in samples if s.id in ("europarl-en-0006", "pud-en-0003")])
    settings = stack_settings.model_copy(update={"review": stack_settings.review.model_copy(
        update={"audit_fraction": 0.0, "dataset_per": "run"})})
    report = push_run(run_dir, settings)
    urls = {d.name[-5:]: d.url for d in report.datasets}
    ARTIFACTS.mkdir(exist_ok=True)
    shots = [ARTIFACTS / "review-screen-en-de.png", ARTIFACTS / "review-screen-en-zh.png"]

    assert Path(CHROMIUM).exists(), "Debian chromium missing: `make test` installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(urls["en-de"].split("/dataset/")[0] + "/sign-in")
            page.fill('input[name="Username"]', annotator.username)
            page.fill('input[name="Password"]', annotator.password)
            page.click('button[type="submit"]')
            page.wait_for_url(lambda u: "sign-in" not in u, timeout=30_000)
            # "Die Vereinten Nationen" -> "Vereinten Nationen" (characters 4..22).
            _fix_span(page, urls["en-de"], "ORG · Organization", 4, 22, shots[0])
            # The missed LOC "上海" (characters 5..7).
            _fix_span(page, urls["en-zh"], "LOC · Location", 5, 7, shots[1])
        finally:
            browser.close()
    print(f"\nscreenshots of the review screen: {shots[0]} {shots[1]}")
    for d in report.datasets:
        _wait_submitted(owner, settings.review.workspace, d.name)

    result = pull_run(run_dir, settings)

    assert result.outcomes == {"changed": 2}
    merged = {s.id: s for s in read_jsonl(run_dir / "reviewed.jsonl", ParallelSample)}
    de = merged["europarl-en-0006"]
    assert de.status == Status.accepted
    assert de.provenance.reviewed_by == "human" and de.provenance.reviewer == annotator.username
    assert [(t.surface(de.target_text), t.label, t.source_index) for t in de.target_entities] == [
        ("Vereinten Nationen", "ORG", 0), ("New York", "LOC", 1)]
    assert json.loads(de.provenance.attempts[-1].response)["usable"] == "fixed"
    zh = merged["pud-en-0003"]
    assert sorted((t.surface(zh.target_text), t.label, t.source_index)
                  for t in zh.target_entities) == [("上海", "LOC", 1), ("微软", "ORG", 0)]
    assert all(shot.stat().st_size > 10_000 for shot in shots)
