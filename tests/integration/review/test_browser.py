"""A team in a real browser: headless Debian chromium (never a downloaded one) driven by
playwright.

Two annotators (made by `review users add`). The first logs in, fixes a span (German: an article
inside an ORG span), answers a Chinese record too quickly ("usable" with a LOC left unmarked) and
confirms an audited record. The second logs in, finds the audited record in their own queue (it
needs two answers) and confirms it. ``pull`` merges, attributes each answer to its author and
measures agreement; the refused answer goes back to the first annotator, who sees why in the
browser, fixes it and submits; the next pull merges it.
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


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("p.span-annotation__field", timeout=30_000)


def _submit(page: Page) -> None:
    with page.expect_response(lambda r: "response" in r.url
                              and r.request.method in ("POST", "PUT")) as answer:
        page.get_by_role("button", name="Submit").click()
    assert answer.value.status in (200, 201), f"Submit failed: HTTP {answer.value.status}"


def _fix_span(page: Page, url: str, label: str, start: int, end: int, shot: Path) -> None:
    _open(page, url)
    page.locator(f'div[role=button][aria-label="{label}"]').click()
    _drag_select(page, start, end)
    page.locator('div[role=button][aria-label="fixed by me"]').click()
    page.screenshot(path=str(shot))
    _submit(page)


def _confirm(page: Page, url: str) -> None:
    """Answer 'yes, usable' and submit, leaving the suggested spans as they are."""
    _open(page, url)
    page.locator('div[role=button][aria-label="yes, usable"]').click()
    _submit(page)


def _login(browser, who) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{BASE}/sign-in")
    page.fill('input[name="Username"]', who.username)
    page.fill('input[name="Password"]', who.password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda u: "sign-in" not in u, timeout=30_000)
    return page


def _wait_submitted(owner, workspace: str, name: str, count: int, timeout: float = 20.0) -> None:
    ds = owner.datasets(name, workspace=owner.workspaces(workspace))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = sum(1 for r in ds.records(with_responses=True)
                   for x in r._model.responses or [] if x.status == "submitted")
        if done >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"the browser's answers never reached Argilla ({name})")


BASE = "http://127.0.0.1:6900"


def test_a_team_reviews_in_the_browser(run_dir, stack_settings, owner, annotator,
                                       second_annotator):
    samples = read_jsonl(run_dir / "aligned.jsonl", ParallelSample)
    write_jsonl(run_dir / "aligned.jsonl", [
        s for s in samples if s.id in ("europarl-en-0006", "pud-en-0003", "europarl-en-0009")])
    # europarl-en-0009 (accepted) sits at audit position .23: audited with a fraction of 0.3.
    settings = stack_settings.model_copy(update={"review": stack_settings.review.model_copy(
        update={"audit_fraction": 0.3})})
    report = push_run(run_dir, settings)
    urls = {("audit-" if d.audit else "") + d.name[-5:]: d.url for d in report.datasets}
    assert {d.name[-11:]: d.min_submitted for d in report.datasets if d.audit} == {
        "audit-en-de": 2}
    assert urls["en-de"].split("/dataset/")[0] == BASE
    ARTIFACTS.mkdir(exist_ok=True)
    shots = [ARTIFACTS / "review-screen-en-de.png", ARTIFACTS / "review-screen-en-zh.png",
             ARTIFACTS / "review-returned-en-zh.png", ARTIFACTS / "review-second-annotator.png"]
    first, second = annotator.username, second_annotator.username

    assert Path(CHROMIUM).exists(), "Debian chromium missing: `make test` installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = _login(browser, annotator)
            # "Die Vereinten Nationen" -> "Vereinten Nationen" (characters 4..22).
            _fix_span(page, urls["en-de"], "ORG · Organization", 4, 22, shots[0])
            # Too quick: "usable" with the missed LOC "上海" still unmarked.
            _open(page, urls["en-zh"])
            page.screenshot(path=str(shots[1]))
            page.locator('div[role=button][aria-label="yes, usable"]').click()
            _submit(page)
            _confirm(page, urls["audit-en-de"])
            # The second annotator's share: the audited record waits for them too.
            other = _login(browser, second_annotator)
            _open(other, urls["audit-en-de"])
            assert "Lissabon" in other.inner_text("body")
            other.screenshot(path=str(shots[3]))
            _confirm(other, urls["audit-en-de"])
        finally:
            browser.close()
    for name, count in ((report.datasets[0].name, 1), (report.datasets[1].name, 2),
                        (report.datasets[2].name, 1)):
        _wait_submitted(owner, settings.review.workspace, name, count)

    result = pull_run(run_dir, settings)

    assert result.outcomes == {"changed": 1, "invalid": 1, "unchanged": 1}
    merged = {s.id: s for s in read_jsonl(run_dir / "reviewed.jsonl", ParallelSample)}
    de = merged["europarl-en-0006"]
    assert de.status == Status.accepted
    assert de.provenance.reviewed_by == "human" and de.provenance.reviewer == first
    assert [(t.surface(de.target_text), t.label, t.source_index) for t in de.target_entities] == [
        ("Vereinten Nationen", "ORG", 0), ("New York", "LOC", 1)]
    assert json.loads(de.provenance.attempts[-1].response)["usable"] == "fixed"
    audited = merged["europarl-en-0009"]
    assert audited.provenance.reviewer == ", ".join(sorted([first, second]))
    assert {r.reviewer: r.submitted for r in result.reviewers} == {first: 3, second: 1}
    assert (result.agreement.records, result.agreement.span_f1) == (1, 1.0)
    assert (result.machine.answered, result.machine.correct) == (1, 1)
    assert merged["pud-en-0003"].status == Status.review
    assert merged["pud-en-0003"].issues[-1].code == "review_missing_entity"

    # The refused answer is back with its annotator, with the reason on the record.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = _login(browser, annotator)
            _open(page, urls["en-zh"] + "&status=draft")
            text = page.inner_text("body")
            assert "needs attention" in text and "review_missing_entity" in text
            assert "are not marked in the translation" in text
            page.screenshot(path=str(shots[2]))
            _fix_span(page, urls["en-zh"] + "&status=draft", "LOC · Location", 5, 7,
                      ARTIFACTS / "review-fixed-en-zh.png")
        finally:
            browser.close()
    _wait_submitted(owner, settings.review.workspace, report.datasets[2].name, 1)

    again = pull_run(run_dir, settings)
    assert again.outcomes == {"changed": 2, "unchanged": 1} and not again.attention
    zh = {s.id: s for s in read_jsonl(run_dir / "reviewed.jsonl", ParallelSample)}["pud-en-0003"]
    assert zh.provenance.reviewer == first
    assert sorted((t.surface(zh.target_text), t.label, t.source_index)
                  for t in zh.target_entities) == [("上海", "LOC", 1), ("微软", "ORG", 0)]
    assert all(shot.stat().st_size > 10_000 for shot in shots)
