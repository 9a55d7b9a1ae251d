"""Browser-test fixtures: a live server, Debian's Chromium through Playwright, axe-core.

* ``live_server``: ``uvicorn`` serving ``create_app()`` on a free port, in its own
  process with a temporary ``DATABASE_URL`` and ``STUFENLOS_DATA_DIR`` holding one
  imported city (:data:`LIVE_CITY`); yields the base URL (no trailing slash).
* ``browser`` / ``page``: the system Chromium (``chromium`` on the ``PATH``, or
  ``$STUFENLOS_CHROMIUM``) launched headless by Playwright, never a downloaded build.
  Each test's page is screenshotted to ``test-artifacts/<test>.png`` at teardown.
* ``axe_check(page)``: injects axe-core from ``node_modules`` and asserts no
  WCAG 2.2 AA violations (tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa).

Without Chromium or axe-core the tests skip locally and fail under CI (``CI=true``),
by the one rule of :func:`tests._need.need`.
Mark browser tests ``@pytest.mark.browser``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._need import need

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: the city imported for the live server (the smallest bundled one)
LIVE_CITY = "herrenberg"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    # WebGL for the MapLibre map without a GPU: Chromium's software renderer
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium."""
    path = (os.environ.get("STUFENLOS_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))
    need(path and Path(path).exists(),
         f"Chromium not found ({path or 'not on PATH'}): run scripts/install-system-deps.sh")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script from npm (``package.json`` at the repository root)."""
    need(AXE_JS.exists(), f"axe-core not installed ({AXE_JS} missing): run npm ci")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def live_server_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's folder: ``app.sqlite`` and ``data/`` with :data:`LIVE_CITY` imported."""
    from stufenlos.build import import_city
    from stufenlos.config import find_city

    folder = tmp_path_factory.mktemp("live-server")
    # one small real city, so pages that need an imported city have one
    import_city(find_city(LIVE_CITY), base=folder / "data", progress=False)
    return folder


@pytest.fixture(scope="session")
def live_database_url(live_server_folder: Path) -> str:
    """The live server's ``DATABASE_URL`` (to prepare rows the pages then show)."""
    return f"sqlite:///{live_server_folder / 'app.sqlite'}"


@pytest.fixture(scope="session")
def live_server(live_server_folder: Path, live_database_url: str) -> Iterator[str]:
    """Base URL of a uvicorn process serving ``create_app()`` on a temporary database."""
    from tests.browser._city_server import city_server

    with city_server(live_server_folder / "data", live_server_folder,
                     database_url=live_database_url) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """A headless Chromium driven by Playwright.

    Module-scoped: while Playwright's sync API runs, the main thread counts as
    inside an event loop, which would break ``asyncio.run`` in later test files.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright Python package is not installed: pip install -e '.[test]'")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page (1280×900, German locale); screenshotted at teardown.

    The test fails if the page broke its Content-Security-Policy (a blocked
    inline script, style or request).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    refused: list[str] = []
    pg.expose_function("__cspRefused", lambda text: refused.append(text))
    # violations by the page's own code; code the test injects (axe-core) has no source file
    pg.add_init_script("""document.addEventListener('securitypolicyviolation', e => {
        if (e.sourceFile) window.__cspRefused(
            `${e.violatedDirective} refused ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });""")
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in request.node.name)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert not refused, f"the page broke its Content-Security-Policy: {refused}"


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 AA violations on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # not a <script> tag: the page's CSP allows no inline code
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        list(WCAG_TAGS),
    )
    return result["violations"]


@pytest.fixture
def axe_check(axe_source: str) -> Callable[[Any], None]:
    """``axe_check(page)``: assert the page has no WCAG 2.2 AA violations."""

    def check(pg: Any) -> None:
        violations = run_axe(pg, axe_source)
        summary = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"][:5]],
            }
            for v in violations
        ]
        assert not violations, f"{pg.url}: {json.dumps(summary, indent=1)}"

    return check
