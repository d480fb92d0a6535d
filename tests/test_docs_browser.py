"""/api/v1/docs in headless Chromium: every operation rendered, nothing fetched off this host."""

import json
import re
import shutil
import subprocess
import threading
import urllib.parse

import pytest
import waitress.server

from core.openapi import document

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"
)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def live_url(app):
    """The app on waitress on a free loopback port, for the length of one test."""
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def _chromium(url, tmp_path):
    netlog = tmp_path / "netlog.json"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--log-net-log={netlog}",
        "--virtual-time-budget=20000",
        "--dump-dom",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return result.stdout, netlog.read_text(errors="replace") if netlog.exists() else ""


def _page_requests(netlog):
    """(url, initiator) of every request Chromium started; initiator is the requesting origin."""
    text = netlog.rstrip()
    try:
        log = json.loads(text)
    except ValueError:  # cut short: close the events list
        log = json.loads(text.rstrip(",") + "]}")
    names = {value: key for key, value in log["constants"]["logEventTypes"].items()}
    return [
        (event["params"]["url"], event["params"].get("initiator", ""))
        for event in log["events"]
        if names.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in event.get("params", {})
    ]


def test_docs_render_every_operation_without_leaving_localhost(live_url, tmp_path):
    dom, netlog = _chromium(f"{live_url}/api/v1/docs", tmp_path)
    operations = sum(len(ops) for ops in document()["paths"].values())
    rendered = re.findall(r'class="opblock opblock-(get|post|put|patch|delete)', dom)
    assert len(rendered) == operations, dom[:2000]
    assert "Authorize" in dom  # the bearer security scheme's button
    requests = _page_requests(netlog)
    # What the page asked for: everything initiated by a web origin (Chromium's own
    # background traffic carries no origin and is not the page's doing).
    from_pages = [(url, origin) for url, origin in requests if origin.startswith("http")]
    assert any(url.endswith("/api/v1/openapi.json") for url, _ in from_pages)
    assert any(url.endswith("/api/v1/docs/swagger-ui-bundle.js") for url, _ in from_pages)
    remote = [
        url for url, _ in from_pages if urllib.parse.urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert not remote, f"the docs page fetched from outside this host: {remote}"
