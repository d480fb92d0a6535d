"""Crash safety: concurrent writers, SIGKILL mid-load, restart, and check that nothing
acknowledged was lost. `python -m bench.load_kill [--runs 5] [--seconds 4] [--writers 8]`."""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from bench.http_load import ROOT
from bench.http_load import _login
from bench.http_load import _wait

PORT = 18950


class Writer(threading.Thread):
    """Creates deals, moves them, completes activities; records every acknowledged write."""

    def __init__(self, port, token, stages, activities, seed):
        super().__init__(daemon=True)
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.stages = stages
        self.activities = activities
        self.rng = random.Random(seed)
        self.created, self.moves, self.completed = [], [], []

    def _send(self, conn, method, path, body=None):
        conn.request(method, path, body=json.dumps(body) if body else None, headers=self.headers)
        resp = conn.getresponse()
        return resp.status, resp.read()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            while True:
                roll = self.rng.random()
                if roll < 0.4 or not self.created:
                    title = f"kill-test {self.rng.random()}"
                    body = {"title": title, "stageId": self.stages[0]}
                    status, raw = self._send(conn, "POST", "/api/v1/deals", body)
                    if status == 201:
                        self.created.append(json.loads(raw)["data"]["id"])
                elif roll < 0.8:
                    deal, stage = self.rng.choice(self.created), self.rng.choice(self.stages)
                    status, _ = self._send(
                        conn, "PATCH", f"/api/v1/deals/{deal}/stage", {"stageId": stage}
                    )
                    if status == 200:
                        self.moves.append((deal, stage))
                else:
                    activity = self.rng.choice(self.activities)
                    status, _ = self._send(conn, "POST", f"/api/v1/activities/{activity}/complete")
                    if status == 200:
                        self.completed.append(activity)
        except (OSError, http.client.HTTPException):
            return  # the server was killed


def _get(port, token, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    return json.loads(conn.getresponse().read())["data"]


def _start(db_path, port):
    env = dict(
        os.environ,
        UPSTREAM_DB=db_path,
        UPSTREAM_BCRYPT_ROUNDS="4",
        UPSTREAM_USER_RATE_LIMIT="1000000000/60",
        UPSTREAM_LOGIN_RATE_LIMIT="1000000000/60",
    )
    command = [sys.executable, "upstream.py", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait(port, "/api/v1/health")
    return process


def check(db_path, writers):
    """Problems found in the database after the crash (an empty list when all is well)."""
    problems = []
    conn = sqlite3.connect(db_path)
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    created = [deal for w in writers for deal in w.created]
    found = {row[0] for row in conn.execute("SELECT id FROM deal")}
    problems += [f"acknowledged deal {d} lost" for d in created if d not in found]
    for deal, stage in (m for w in writers for m in w.moves):
        row = conn.execute(
            "SELECT 1 FROM deal_stage_history WHERE deal_id = ? AND to_stage_id = ?", (deal, stage)
        ).fetchone()
        if row is None:
            problems.append(f"acknowledged move of {deal} to {stage} has no history row")
    for activity in (a for w in writers for a in w.completed):
        row = conn.execute("SELECT completed_at FROM activity WHERE id = ?", (activity,)).fetchone()
        if row is None or row[0] is None:
            problems.append(f"acknowledged completion of {activity} lost")
    mismatched = conn.execute(
        """SELECT d.id FROM deal d WHERE d.stage_id != (
             SELECT h.to_stage_id FROM deal_stage_history h WHERE h.deal_id = d.id
             ORDER BY h.changed_at DESC, h.rowid DESC LIMIT 1)"""
    ).fetchall()
    problems += [f"deal {row[0]} is not in the stage of its last history row" for row in mismatched]
    conn.close()
    return problems, len(created)


def one_run(seconds, writer_count, seed):
    """Seed, load, SIGKILL, restart, check: (problems, acknowledged writes)."""
    folder = tempfile.mkdtemp(prefix="upstream-kill-")
    db_path = os.path.join(folder, "kill.db")
    env = dict(os.environ, UPSTREAM_BCRYPT_ROUNDS="4")
    subprocess.run(
        [sys.executable, "seed.py", "--db", db_path],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = _start(db_path, PORT)
    token = _login(PORT, "jane@acme.com")
    board = _get(PORT, token, "/api/v1/pipeline")
    stages = [stage["id"] for stage in board["stages"]]
    activities = [
        a["id"] for a in _get(PORT, token, "/api/v1/activities?limit=100&status=open")["items"]
    ]
    writers = [Writer(PORT, token, stages, activities, seed * 100 + n) for n in range(writer_count)]
    for writer in writers:
        writer.start()
    time.sleep(seconds * random.Random(seed).uniform(0.5, 1.0))
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    for writer in writers:
        writer.join(timeout=15)
    restarted = _start(db_path, PORT)  # the server comes back on the crashed file
    restarted.terminate()
    restarted.wait(timeout=30)
    problems, created = check(db_path, writers)
    shutil.rmtree(folder, ignore_errors=True)
    acknowledged = created + sum(len(w.moves) + len(w.completed) for w in writers)
    return problems, acknowledged


def main(argv=None):
    """Run the kill test `--runs` times; exit 1 if any run lost anything."""
    parser = argparse.ArgumentParser(prog="python -m bench.load_kill", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="load before the kill (at most)")
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args(argv)
    failures = 0
    for run in range(1, args.runs + 1):
        problems, acknowledged = one_run(args.seconds, args.writers, run)
        verdict = "ok" if not problems else f"FAILED ({len(problems)} problems)"
        print(f"run {run}: {acknowledged} acknowledged writes, integrity and durability {verdict}")
        for problem in problems[:20]:
            print(f"  - {problem}")
        failures += bool(problems)
    print(f"kill test: {args.runs - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
