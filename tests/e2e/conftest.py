"""A live server on a committed database with the demo world, and headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from fourflow.app import create_app
from fourflow.core.database import Database, make_engine
from fourflow.core.settings import PROJECT_ROOT, Settings
from fourflow.demo_data import load_demo_data
from fourflow.worker import run_worker
from tests.conftest import _worker_suffix, fresh_database, make_test_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = PROJECT_ROOT / ".fourflow" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    database: Database
    settings: Settings

    def run_pending_jobs(self) -> None:
        """What `fourflow worker` does, until the queue is empty (in a thread of its own,
        because Playwright's sync API already runs an event loop in this one)."""
        worker = threading.Thread(target=run_worker, args=(self.settings, self.database,
                                                           self.database_url), kwargs={"wait": False})
        worker.start()
        worker.join(timeout=60)


@pytest.fixture(scope="session")
def live(live_server_state: LiveServer) -> LiveServer:
    return live_server_state


@pytest.fixture(scope="session")
def live_server(live_server_state: LiveServer) -> str:
    return live_server_state.url


@pytest.fixture(scope="session")
def live_server_state() -> Iterator[LiveServer]:
    with live_server_on(f"fourflow_e2e_{_worker_suffix()}") as server:
        yield server


@contextmanager
def live_server_on(database_name: str) -> Iterator[LiveServer]:
    """The app on a fresh database of that name with the demo world, served on a free port. The
    session's server is shared by the browser tests; a module whose tests change the demo world
    (lending money to a demo seller, loading more sellers) starts its own, so the others still
    find the world as loaded."""
    url = fresh_database(database_name)
    database = Database(make_engine(url, pool_size=4, max_overflow=4))
    with database.unit_of_work() as session:
        load_demo_data(session)
    settings = make_test_settings(url)
    # The mailbox page is part of the development shell; show it as a developer would see it.
    settings.environment = "development"
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    settings.web.port = port
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", url, database, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: `make browser` installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
