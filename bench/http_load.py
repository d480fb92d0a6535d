"""Load over HTTP: waitress with the project's settings, N keep-alive clients, a fixed time."""

import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from bench.wsgi import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _wait(port, path, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not come up")


def start_server(db_path, port, threads):
    """The real server (python upstream.py) with generous limits, in a child process."""
    env = dict(
        os.environ,
        UPSTREAM_DB=db_path,
        UPSTREAM_USER_RATE_LIMIT="1000000000/60",
        UPSTREAM_LOGIN_RATE_LIMIT="1000000000/60",
        UPSTREAM_REFRESH_RATE_LIMIT="1000000000/60",
    )
    command = [sys.executable, "upstream.py", "--port", str(port), "--threads", str(threads)]
    # Output to a file, not a pipe: a pipe nobody reads fills up and blocks the server.
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    _wait(port, "/api/v1/health")
    return process


def start_bare(port, threads):
    """A bare Falcon JSON endpoint on the same waitress settings."""
    command = [sys.executable, "-m", "bench.bare", str(port), str(threads)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    _wait(port, "/bare")
    return process


def _login(port, email):
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login", body, {"Content-Type": "application/json"}
    )
    return json.load(urllib.request.urlopen(request))["data"]["accessToken"]


class Client(threading.Thread):
    """One keep-alive connection sending requests chosen by `plan` until the deadline."""

    def __init__(self, port, token, plan, deadline, seed):
        super().__init__(daemon=True)
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.plan = plan
        self.deadline = deadline
        self.rng = random.Random(seed)
        self.counts = {}
        self.errors = 0
        self.locked = 0

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while time.time() < self.deadline:
            name, method, path, body = self.plan(self.rng)
            try:
                conn.request(method, path, body=body, headers=self.headers)
                resp = conn.getresponse()
                payload = resp.read()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            key = (name, resp.status // 100)
            self.counts[key] = self.counts.get(key, 0) + 1
            if resp.status >= 500:
                self.errors += 1
            if b"database is locked" in payload:
                self.locked += 1
        conn.close()


def run_clients(port, tokens, plan, seconds):
    """Run one client per token for `seconds`; returns the clients."""
    deadline = time.time() + seconds
    clients = [Client(port, token, plan, deadline, n) for n, token in enumerate(tokens)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return clients


def summarize(clients, seconds):
    """Totals across clients: requests/s per operation, 5xx, database-locked."""
    totals = {}
    for client in clients:
        for (name, klass), count in client.counts.items():
            totals.setdefault(name, {}).setdefault(klass, 0)
            totals[name][klass] += count
    fivexx = sum(c.errors for c in clients)
    locked = sum(c.locked for c in clients)
    rates = {name: sum(by.values()) / seconds for name, by in totals.items()}
    return rates, totals, fivexx, locked


def mixed_plan(deal_ids, stage_ids):
    """80 % reads, 20 % writes."""

    def plan(rng):
        roll = rng.random()
        if roll < 0.40:
            return "GET /deals?limit=25", "GET", "/api/v1/deals?limit=25", None
        if roll < 0.60:
            return "GET /deals/{id}", "GET", f"/api/v1/deals/{rng.choice(deal_ids)}", None
        if roll < 0.70:
            return (
                "GET /activities?status=overdue",
                "GET",
                "/api/v1/activities?status=overdue",
                None,
            )
        if roll < 0.80:
            return "GET /contacts?search", "GET", "/api/v1/contacts?search=ada", None
        if roll < 0.90:
            body = json.dumps({"title": "Load deal", "stageId": stage_ids[0], "value": 10})
            return "POST /deals", "POST", "/api/v1/deals", body
        body = json.dumps({"stageId": rng.choice(stage_ids)})
        return (
            "PATCH /deals/{id}/stage",
            "PATCH",
            f"/api/v1/deals/{rng.choice(deal_ids)}/stage",
            body,
        )

    return plan


def deals_only(rng):
    return "GET /deals?limit=25", "GET", "/api/v1/deals?limit=25", None


def bare_only(rng):
    return "GET /bare", "GET", "/bare", None


def run(db_path, clients, seconds, throughput_seconds, threads, port=18900):
    """The HTTP part of the benchmark: a dict of what it measured."""
    server = start_server(db_path, port, threads)
    try:
        tokens = [_login(port, f"rep{1 + n % 18}@scale.example") for n in range(clients)]
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/deals?limit=100&status=open", headers=headers
        )
        items = json.load(urllib.request.urlopen(request))["data"]["items"]
        pipeline = items[0]["pipelineId"]
        deal_ids = [i["id"] for i in items if i["pipelineId"] == pipeline]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/pipeline?pipelineId={pipeline}", headers=headers
        )
        stage_ids = [s["id"] for s in json.load(urllib.request.urlopen(request))["data"]["stages"]]
        mixed = run_clients(port, tokens, mixed_plan(deal_ids, stage_ids), seconds)
        rates, totals, fivexx, locked = summarize(mixed, seconds)
        only = run_clients(port, tokens, deals_only, throughput_seconds)
        deals_rate, _, deals_errors, _ = summarize(only, throughput_seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.log.seek(0)
        output = server.log.read()
    bare = start_bare(port + 1, threads)
    try:
        bare_clients = run_clients(port + 1, ["x"] * clients, bare_only, throughput_seconds)
        bare_rate, _, _, _ = summarize(bare_clients, throughput_seconds)
    finally:
        bare.terminate()
        bare.wait(timeout=30)
    return {
        "clients": clients,
        "seconds": seconds,
        "mixed_rates": rates,
        "mixed_totals": totals,
        "fivexx": fivexx + deals_errors,
        "locked": locked + output.count("database is locked"),
        "deals_rate": deals_rate.get("GET /deals?limit=25", 0.0),
        "bare_rate": bare_rate.get("GET /bare", 0.0),
    }
