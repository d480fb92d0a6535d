"""Authentication: login, refresh, logout, /me and the health check."""

from peewee import PeeweeException

from core import shapes
from core.errors import APIError
from models import Membership
from models import Organization
from models import User
from models import db
from resources.common import ok
from resources.common import read_body


class LoginResource:
    auth = False
    rate_limit = "login"

    def __init__(self, services):
        self.sessions = services.sessions

    def on_post(self, req, resp):
        body = read_body(req, "login")
        device = body.get("device_info") or body.get("deviceInfo") or req.user_agent
        access, refresh, user, membership = self.sessions.login(
            body["email"], body["password"], (device or "")[:500] or None
        )
        ok(resp, shapes.login(access, refresh, user, membership))


class RefreshResource:
    auth = False
    rate_limit = "refresh"

    def __init__(self, services):
        self.sessions = services.sessions

    def on_post(self, req, resp):
        body = read_body(req, "refresh")
        access, refresh, _ = self.sessions.refresh(body["refreshToken"])
        ok(resp, {"accessToken": access, "refreshToken": refresh})


class SwitchOrganizationResource:
    auth = False
    rate_limit = "refresh"

    def __init__(self, services):
        self.sessions = services.sessions

    def on_post(self, req, resp):
        body = read_body(req, "switch_organization")
        access, refresh, membership = self.sessions.refresh(
            body["refreshToken"], target_org_id=body["organizationId"]
        )
        user = User.get_by_id(membership.user_id)
        ok(resp, shapes.login(access, refresh, user, membership))


class LogoutResource:
    auth = False

    def __init__(self, services):
        self.sessions = services.sessions

    def on_post(self, req, resp):
        body = read_body(req, "logout")
        self.sessions.logout(body["refreshToken"])
        ok(resp, {"success": True})


class MeResource:
    def on_get(self, req, resp):
        rows = (
            Membership.select(Membership, Organization)
            .join(Organization)
            .where(Membership.user == req.context.user.id)
            .order_by(Membership.joined_at, Membership.id)
        )
        ok(
            resp,
            {
                "user": shapes.user(req.context.user),
                "organization": shapes.organization(req.context.org, req.context.membership),
                "organizations": [shapes.organization(m.organization, m) for m in rows],
            },
        )


class HealthResource:
    auth = False

    def on_get(self, req, resp):
        try:
            db.execute_sql("SELECT COUNT(*) FROM organization LIMIT 1").fetchone()
        except PeeweeException:
            raise APIError(503, "SERVICE_UNAVAILABLE", "Database unreachable") from None
        ok(resp, {"status": "ok", "database": "ok"})
