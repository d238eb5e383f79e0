"""The dashboard in a real browser: Voila serves it, Debian's chromium drives it.

Needs /usr/bin/chromium (Debian package ``chromium``; .ci/run installs it). Its absence
is a failure, not a skip: a dashboard nobody has clicked in a browser is not tested.
"""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "dashboard.ipynb"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"voila exited with code {server.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"voila did not accept connections on port {port} within {seconds:.0f} s")


@pytest.fixture
def dashboard_url(tmp_path):
    port = _free_port()
    voila = Path(sys.executable).with_name("voila")
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [
            str(voila),
            str(NOTEBOOK),
            "--Voila.ip=127.0.0.1",
            f"--port={port}",
            "--Voila.port_retries=0",
            "--no-browser",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _status(page: Page) -> str:
    return page.locator(".crm-status").inner_text()


def _run_and_wait(page: Page, expected: str) -> None:
    page.locator("button.crm-run").click()
    page.wait_for_function(
        "text => document.querySelector('.crm-status').innerText.includes(text)",
        arg=expected,
        timeout=TIMEOUT_MS,
    )


def test_changing_a_slider_and_clicking_run_redraws_the_figures(dashboard_url, tmp_path):
    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = browser.new_page()
            page.goto(dashboard_url, timeout=TIMEOUT_MS)
            page.wait_for_selector("button.crm-run", timeout=TIMEOUT_MS)
            assert "Set the controls" in _status(page)

            _run_and_wait(page, "focal price 20.00")
            figure = page.locator(".crm-figure-stages")
            first_src = figure.get_attribute("src")
            first_kpis = page.locator(".crm-kpis").inner_text()
            assert first_src

            readout = page.locator(".crm-a-price .widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("26")
            page.keyboard.press("Enter")
            _run_and_wait(page, "focal price 26.00")

            assert figure.get_attribute("src") != first_src
            assert page.locator(".crm-kpis").inner_text() != first_kpis
            screenshot = tmp_path / "dashboard.png"
            page.screenshot(path=str(screenshot), full_page=True)
            print(f"screenshot: {screenshot}")
            assert screenshot.stat().st_size > 10_000
        finally:
            browser.close()
