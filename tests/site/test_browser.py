"""The built site as a reader sees it, in headless Chromium.

Every chapter page must load with no console error and no failed request,
show its figures (legible in dark mode too), offer its launch, download and
cite menus, and not scroll sideways on a phone except inside code blocks.
Every page of the book (and the search and index pages) passes axe-core's
WCAG 2.0 and 2.1 level A and AA rules in light and in dark mode.
Screenshots of a few pages are saved in _build/screenshots for a person to see.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from book_sources import REPOSITORY_URL, ROOT, chapters, toc_files

OWNER, REPO = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", REPOSITORY_URL).groups()
SCREENSHOT_PAGES = {"book/intro", "book/fundamentals/tensors",
                    "book/fundamentals/linear-regression"}
# axe-core from the npm registry, as locked in tests/site/package-lock.json
# (`make test` installs it with `npm ci`).
AXE_JS = ROOT / "tests" / "site" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = (390, 844)
DESKTOP = (1280, 900)

# Figures must have an opaque background; returns [src, opaque, width, height] each.
FIGURE_PIXELS_JS = """
return Array.from(document.querySelectorAll('article figure img')).map(img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  if (!img.complete || img.naturalWidth === 0) return [img.src, false, 0, 0];
  g.drawImage(img, 0, 0);
  const corners = [[0, 0], [c.width - 1, 0], [0, c.height - 1], [c.width - 1, c.height - 1]];
  const opaque = corners.every(([x, y]) => g.getImageData(x, y, 1, 1).data[3] === 255);
  const r = img.getBoundingClientRect();
  return [img.src, opaque, r.width, r.height];
});
"""

# Elements that scroll sideways at the current width, except code blocks.
SIDEWAYS_JS = """
const page = document.scrollingElement;
const found = [];
if (page.scrollWidth > window.innerWidth + 1) found.push('the page itself');
for (const el of document.querySelectorAll('article *')) {
  if (el.scrollWidth <= el.clientWidth + 1) continue;
  const style = getComputedStyle(el);
  if (!['auto', 'scroll'].includes(style.overflowX)) continue;
  if (el.closest('pre, div.highlight, .cell_output, .output')) continue;
  found.push(el.tagName.toLowerCase() + '.' + Array.from(el.classList).join('.'));
}
return found;
"""


def _wait_ready(driver, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        state = driver.execute_script(
            "return document.readyState === 'complete' && (!window.MathJax || "
            "!MathJax.startup || MathJax.startup.document.state() >= 10 || "
            "document.querySelectorAll('mjx-container').length > 0 || "
            "document.querySelectorAll('.math').length === 0)")
        if state:
            return
        time.sleep(0.2)
    raise AssertionError("the page did not finish loading")


def _problems(driver) -> tuple[list[str], list[str]]:
    """Console errors and failed requests since the last call."""
    console = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    failed, urls = [], {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg.get("params", {})
        if msg["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        # a request sent before the last call (the browser's own start-up
        # navigation, say) is not this page's
        if (msg["method"] == "Network.loadingFailed" and not params.get("canceled")
                and params["requestId"] in urls):
            failed.append(f"{params.get('errorText')} ({params.get('type')}: "
                          f"{urls[params['requestId']]})")
        elif msg["method"] == "Network.responseReceived":
            response = params["response"]
            if response["status"] >= 400:
                failed.append(f"{response['status']} {response['url']}")
    return console, failed


def _open(driver, url, size=DESKTOP):
    driver.set_window_size(*size)
    driver.get(url)
    _wait_ready(driver)
    time.sleep(0.3)


@pytest.mark.parametrize("docname", chapters() + ["book/intro"])
def test_page_in_browser(browser, site_url, screenshots, docname):
    _problems(browser)  # forget earlier pages' logs
    _open(browser, f"{site_url}{docname}.html")
    console, failed = _problems(browser)
    assert not console, f"console errors: {console}"
    assert not failed, f"failed requests: {failed}"
    if docname in SCREENSHOT_PAGES:
        browser.save_screenshot(str(screenshots / f"{docname.replace('/', '_')}-light.png"))
    if docname == "book/intro":
        return

    figures = browser.execute_script(FIGURE_PIXELS_JS)
    assert figures, "no figure on the page"
    for src, opaque, width, height in figures:
        assert width > 0 and height > 0, f"figure not shown: {src}"

    # dark mode: the theme's switch sets data-theme on <html>
    browser.execute_script("document.documentElement.dataset.theme = 'dark';"
                           "document.documentElement.dataset.mode = 'dark';")
    time.sleep(0.2)
    figures = browser.execute_script(FIGURE_PIXELS_JS)
    transparent = [src for src, opaque, *_ in figures if not opaque]
    assert not transparent, f"figures with a transparent background: {transparent}"
    if docname in SCREENSHOT_PAGES:
        browser.save_screenshot(str(screenshots / f"{docname.replace('/', '_')}-dark.png"))
    browser.execute_script("document.documentElement.dataset.theme = 'light';"
                           "document.documentElement.dataset.mode = 'light';")

    soup = BeautifulSoup(browser.page_source, "html.parser")
    launch = {a.get_text(strip=True): a["href"]
              for a in soup.select(".dropdown-launch-buttons a[href]")}
    target = f"{docname}.ipynb"
    assert launch.get("Binder", "").endswith(f"/v2/gh/{OWNER}/{REPO}/notebooks?urlpath="
                                             f"lab/tree/{target}")
    assert launch.get("Colab", "").endswith(f"/github/{OWNER}/{REPO}/blob/notebooks/{target}")
    downloads = [a["href"] for a in soup.select(".dropdown-download-buttons a[href]")]
    assert any(h.endswith(".ipynb") for h in downloads)
    assert any(h.endswith(".md") for h in downloads)
    cite = soup.select_one("#cite-this-chapter")
    assert cite is not None and f"{docname}.html" in cite.get_text()

    _open(browser, f"{site_url}{docname}.html", PHONE)
    sideways = browser.execute_script(SIDEWAYS_JS)
    assert not sideways, f"at {PHONE[0]} px these scroll sideways: {Counter(sideways)}"
    if docname in SCREENSHOT_PAGES:
        browser.save_screenshot(str(screenshots / f"{docname.replace('/', '_')}-phone.png"))
    browser.set_window_size(*DESKTOP)


def _body_only_word(html_dir) -> tuple[str, str]:
    """A word that appears in one chapter's body and in no title or other page."""
    counts: dict[str, set[str]] = {}
    headings: set[str] = set()
    for path in html_dir.rglob("*.html"):
        if "_static" in path.parts or "_sources" in path.parts:
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article")
        if article is None:
            continue
        for h in article.select("h1, h2, h3, h4, dt"):
            headings.update(w.lower() for w in re.findall(r"[A-Za-z]+", h.get_text()))
        doc = str(path.relative_to(html_dir).with_suffix(""))
        for word in set(re.findall(r"\b[a-z]{9,}\b", article.get_text())):
            counts.setdefault(word, set()).add(doc)
    for word, docs in sorted(counts.items()):
        (doc,) = docs if len(docs) == 1 else (None,)
        if doc in chapters() and word not in headings:
            return word, doc
    raise AssertionError("no word belongs to one chapter only")


def test_search_finds_a_chapter_from_a_body_word(browser, site_url, html_dir):
    word, docname = _body_only_word(html_dir)
    _problems(browser)
    _open(browser, f"{site_url}search.html?q={quote(word)}")
    end = time.time() + 20
    links = []
    while time.time() < end:
        links = browser.execute_script(
            "return Array.from(document.querySelectorAll('#search-results a'))"
            ".map(a => a.getAttribute('href'));")
        if links:
            break
        time.sleep(0.3)
    assert any(docname in (h or "") for h in links), f"searching {word!r} gave {links}"
    console, failed = _problems(browser)
    assert not console and not failed, (console, failed)


# Runs axe on the page; returns one [rule, impact, help, target, detail] per failing node.
AXE_RUN_JS = """
const [tags, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => done(r.violations.flatMap(v => v.nodes.map(n => {
    const data = (n.any.concat(n.all, n.none).find(c => c.data && c.data.contrastRatio) || {}).data;
    const detail = data ? `contrast ${data.contrastRatio}:1 < ${data.expectedContrastRatio}, `
                          + `${data.fgColor} on ${data.bgColor}` : '';
    return [v.id, v.impact, v.help, n.target.join(' '), detail];
  }))))
  .catch(e => done([['axe-error', 'critical', String(e), 'document', '']]));
"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing ({AXE_JS}): `make test` installs it, or run "
                    "`npm ci --prefix tests/site`")
    return AXE_JS.read_text(encoding="utf-8")


def _axe_violations(driver, axe_source) -> list[list[str]]:
    driver.execute_script(axe_source)
    driver.set_script_timeout(120)
    return driver.execute_async_script(AXE_RUN_JS, WCAG_TAGS)


def test_axe_finds_violations_planted_in_a_page(browser, site_url, axe_source):
    """The audit below can fail: text too faint to read and an image without alt
    text, planted in a page, are reported with their rule, selector and contrast."""
    _open(browser, f"{site_url}book/intro.html")
    browser.execute_script("""
        const p = document.createElement('p');
        p.id = 'planted-faint'; p.textContent = 'Faint text';
        p.style.color = '#bbbbbb'; p.style.background = '#ffffff';
        const img = document.createElement('img');
        img.id = 'planted-img'; img.src = '../_static/favicon.svg';
        document.querySelector('article').append(p, img);""")
    violations = _axe_violations(browser, axe_source)
    found = {(rule, target): detail for rule, _, _, target, detail in violations}
    assert found.get(("color-contrast", "#planted-faint"), "").startswith("contrast 1.9"), found
    assert ("image-alt", "#planted-img") in found, found
    report = _report(violations)
    assert "color-contrast (serious, 1 element(s)): Elements must meet minimum color " in report
    assert "#planted-faint  [contrast 1.9" in report


def _report(violations, limit=6) -> str:
    """One line per failing node, grouped by rule, at most `limit` nodes a rule."""
    lines, by_rule = [], {}
    for rule, impact, help_text, target, detail in violations:
        by_rule.setdefault((rule, impact, help_text), []).append((target, detail))
    for (rule, impact, help_text), nodes in by_rule.items():
        lines.append(f"{rule} ({impact}, {len(nodes)} element(s)): {help_text}")
        lines += [f"    {target}" + (f"  [{detail}]" if detail else "")
                  for target, detail in nodes[:limit]]
        if len(nodes) > limit:
            lines.append(f"    ... and {len(nodes) - limit} more")
    return "\n".join(lines)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("docname", toc_files() + ["search", "genindex"])
def test_page_meets_wcag_aa(browser, site_url, axe_source, docname, mode):
    """axe-core finds no WCAG 2.0/2.1 A or AA violation, with the reader's system
    set to light or dark (the book follows it)."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": mode}]})
    try:
        _open(browser, f"{site_url}{docname}.html")
        theme = browser.execute_script("return document.documentElement.dataset.theme")
        assert theme == mode, f"the page did not follow the system's {mode} mode: {theme}"
        violations = _axe_violations(browser, axe_source)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    if violations:
        pytest.fail(f"axe-core {'/'.join(WCAG_TAGS)} violations on {docname} ({mode} mode):\n"
                    f"{_report(violations)}", pytrace=False)
