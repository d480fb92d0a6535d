"""In-process latency and queries per request, beside the plain-sqlite3 floor of each read."""

import datetime as dt
import statistics
import time

from bench.floors import Floors
from bench.wsgi import call
from bench.wsgi import login
from core.activity_status import Today
from core.timeutil import to_ms
from models import Organization
from models import QueryLog
from models import Stage
from models import User
from models import db
from upstream import Config
from upstream import create_app

VIEWER = "rep1@scale.example"
GENEROUS = (10**9, 60)


def percentiles(samples):
    """(p50, p95) of a list of milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(fn, iterations):
    """Run `fn` a few times to warm up, then `iterations` times: (p50, p95) in ms."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def count_queries(fn):
    """SQL statements one call runs."""
    with QueryLog() as log:
        fn()
    return log.count


class Bench:
    """The app on a scale database, rep1 logged in, and the floors for rep1."""

    def __init__(self, path, iterations):
        self.iterations = iterations
        config = Config.from_env(
            db_path=path,
            user_rate_limit=GENEROUS,
            login_rate_limit=GENEROUS,
            refresh_rate_limit=GENEROUS,
        )
        self.app = create_app(config)
        self.token, self.refresh_token = login(self.app, VIEWER)
        with db.connection_context():
            org = Organization.get(Organization.name == "Scale Co")
            me = User.get(User.email == VIEWER).id
        now = dt.datetime.now(dt.UTC)
        today = Today(now, org.timezone)
        self.floors = Floors(
            path, org.id, me, to_ms(today.start), to_ms(now - dt.timedelta(days=30))
        )
        self.org = org

    def get(self, path):
        resp = call(self.app, "GET", path, self.token)
        assert resp.status_int == 200, (path, resp.status_int, resp.body[:300])
        return resp

    def rows(self):
        """Every measured row: (name, p50, p95, queries, floor p50 or None, target note)."""
        deep_cursor = self.floors.offset_id(50_000)
        pipeline_id, open_deals = self.floors.busiest_pipeline()
        deal_id = self.get("/api/v1/deals?limit=1").json["data"]["items"][0]["id"]
        reads = [
            ("GET /deals?limit=25", "/api/v1/deals?limit=25", self.floors.deals_page, "list"),
            (
                "GET /deals?limit=25&cursor=<~50,000 in>",
                f"/api/v1/deals?limit=25&cursor={deep_cursor}",
                lambda: self.floors.deals_page(deep_cursor),
                "deep",
            ),
            (
                "GET /deals?search=cloud pilot",
                "/api/v1/deals?limit=25&search=cloud%20pilot",
                lambda: self.floors.deals_search("cloud pilot"),
                "list",
            ),
            (
                "GET /deals/{id}",
                f"/api/v1/deals/{deal_id}",
                lambda: self.floors.deal_detail(deal_id),
                "read",
            ),
            (
                f"GET /pipeline ({open_deals} open deals)",
                f"/api/v1/pipeline?pipelineId={pipeline_id}",
                lambda: self.floors.pipeline(pipeline_id),
                "pipeline",
            ),
            (
                "GET /contacts?search=ada ab",
                "/api/v1/contacts?limit=25&search=ada%20ab",
                lambda: self.floors.contacts_search("ada ab"),
                "list",
            ),
            (
                "GET /activities?status=overdue",
                "/api/v1/activities?limit=25&status=overdue",
                self.floors.activities_overdue,
                "list",
            ),
        ]
        results = []
        for name, path, floor, kind in reads:
            p50, p95 = measure(lambda path=path: self.get(path), self.iterations)
            floor_p50, _ = measure(floor, self.iterations)
            queries = count_queries(lambda path=path: self.get(path))
            results.append((name, p50, p95, queries, floor_p50, kind))
        results += self._writes(deal_id)
        return results

    def _writes(self, deal_id):
        deal_pipeline = self.get(f"/api/v1/deals/{deal_id}").json["data"]["pipelineId"]
        with db.connection_context():
            stages = [
                s.id
                for s in Stage.select()
                .where((Stage.pipeline == deal_pipeline) & (Stage.kind == "open"))
                .order_by(Stage.order_index)
            ]
        counter = {"n": 0, "refresh": self.refresh_token}

        def create():
            counter["n"] += 1
            body = {"title": f"Bench deal {counter['n']}", "stageId": stages[0], "value": 1000}
            resp = call(self.app, "POST", "/api/v1/deals", self.token, body)
            assert resp.status_int == 201, resp.body[:300]

        def move():
            counter["n"] += 1
            body = {"stageId": stages[counter["n"] % 2]}
            resp = call(self.app, "PATCH", f"/api/v1/deals/{deal_id}/stage", self.token, body)
            assert resp.status_int == 200, resp.body[:300]

        def refresh():
            body = {"refreshToken": counter["refresh"]}
            resp = call(self.app, "POST", "/api/v1/auth/refresh", body=body)
            assert resp.status_int == 200, resp.body[:300]
            counter["refresh"] = resp.json["data"]["refreshToken"]

        # An open deal of rep1's for the stage moves.
        body = {"title": "Bench mover", "stageId": stages[0]}
        deal_id = call(self.app, "POST", "/api/v1/deals", self.token, body).json["data"]["id"]
        rows = []
        for name, fn in [
            ("POST /deals", create),
            ("PATCH /deals/{id}/stage", move),
            ("POST /auth/refresh", refresh),
        ]:
            p50, p95 = measure(fn, self.iterations)
            rows.append((name, p50, p95, count_queries(fn), None, "write"))
        return rows
