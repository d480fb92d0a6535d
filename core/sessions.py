"""Login, refresh rotation with reuse detection, logout, and access-token checks."""

import threading

from core.errors import APIError
from core.errors import forbidden
from core.errors import unauthorized
from core.passwords import check_password
from core.passwords import hash_password
from core.tokens import TokenError
from core.tokens import token_hash
from models import AuthSession
from models import Membership
from models import Organization
from models import RefreshToken
from models import User
from models import db

BAD_CREDENTIALS = "Invalid email or password"
AUTH_SQL = """
SELECT s.id, s.revoked_at, m.partner_id, u.is_active, u.email, u.full_name, u.avatar_url,
       m.role, m.can_view_all_org_data, m.id, o.name, o.currency, o.timezone
FROM auth_session AS s
JOIN user AS u ON u.id = s.user_id
LEFT JOIN membership AS m ON m.user_id = s.user_id AND m.organization_id = ?1
LEFT JOIN organization AS o ON o.id = m.organization_id
WHERE s.id = ?2 AND s.user_id = ?3
"""


def no_organization():
    """400 NO_ORGANIZATION: the user belongs to no organization."""
    return APIError(400, "NO_ORGANIZATION", "User is not a member of any organization")


def first_membership(user_id):
    """The user's earliest membership (with its organization), or None."""
    return (
        Membership.select(Membership, Organization)
        .join(Organization)
        .where(Membership.user == user_id)
        .order_by(Membership.joined_at, Membership.id)
        .first()
    )


def revoke_all_sessions(user_id, now):
    """Revoke every live session and refresh token of a user (theft, deactivation)."""
    with db.atomic():
        AuthSession.update(revoked_at=now).where(
            (AuthSession.user == user_id) & AuthSession.revoked_at.is_null()
        ).execute()
        RefreshToken.update(revoked_at=now).where(
            (RefreshToken.user == user_id) & RefreshToken.revoked_at.is_null()
        ).execute()


class Sessions:
    """The authentication service of one app: tokens, clock and bcrypt cost."""

    def __init__(self, tokens, clock, bcrypt_rounds):
        self.tokens = tokens
        self.clock = clock
        self.rounds = bcrypt_rounds
        # Unknown emails pay one comparison against this, so timing tells nothing.
        self._dummy_hash = hash_password("upstream-dummy-password", bcrypt_rounds)
        self._rotating = set()
        self._rotating_lock = threading.Lock()

    def _issue(self, session, user_id, org_id, device_info):
        refresh, expires = self.tokens.refresh(user_id, session.id)
        row = RefreshToken.create(
            session=session.id,
            user=user_id,
            organization=org_id,
            token_hash=token_hash(refresh),
            device_info=device_info,
            created_at=self.clock(),
            expires_at=expires,
        )
        access = self.tokens.access(user_id, org_id, session.id)
        return access, refresh, row

    def login(self, email, password, device_info):
        """Check credentials and open a session: (access, refresh, user, membership)."""
        user = User.get_or_none(User.email == email.strip().lower())
        hashed = user.password_hash if user is not None else self._dummy_hash
        matches = check_password(password, hashed)  # outside any transaction
        if user is None or not matches or not user.is_active:
            raise unauthorized(BAD_CREDENTIALS)
        membership = first_membership(user.id)
        if membership is None:
            raise no_organization()
        with db.atomic():
            session = AuthSession.create(
                user=user.id,
                organization=membership.organization_id,
                device_info=device_info,
                created_at=self.clock(),
            )
            access, refresh, _ = self._issue(
                session, user.id, membership.organization_id, device_info
            )
        return access, refresh, user, membership

    def _claim(self, digest):
        """Mark a token as being rotated by this process; False if already in flight."""
        with self._rotating_lock:
            if digest in self._rotating:
                return False
            self._rotating.add(digest)
            return True

    def _release(self, digest):
        with self._rotating_lock:
            self._rotating.discard(digest)

    def refresh(self, token, target_org_id=None):
        """Rotate a refresh token into a new pair: (access, refresh, membership).

        With `target_org_id`, the new pair is bound to that organization (switching).
        """
        try:
            claims = self.tokens.decode(token, "refresh")
        except TokenError:
            raise unauthorized("Invalid or expired refresh token") from None
        digest = token_hash(token)
        if not self._claim(digest):
            # The same token is being rotated right now by a concurrent request: a
            # double-send by one client, not a replay. It loses, without revoking.
            raise unauthorized("Refresh token already used")
        try:
            return self._rotate(claims, digest, target_org_id)
        finally:
            self._release(digest)

    def _rotate(self, claims, digest, target_org_id):
        now = self.clock()
        with db.atomic():
            row = RefreshToken.get_or_none(RefreshToken.token_hash == digest)
            if row is None or row.user_id != claims["sub"] or row.session_id != claims["sid"]:
                raise unauthorized("Invalid or expired refresh token")
            if row.revoked_at is None:
                return self._rotate_live(row, now, target_org_id)
            reused = row.replaced_by_id is not None
            if reused:
                # A rotated token presented again is theft: end every session of the user
                # (committed here, before the 401 below).
                revoke_all_sessions(row.user_id, now)
        if reused:
            raise unauthorized("Refresh token reuse detected; every session was revoked")
        raise unauthorized("Refresh token revoked")

    def _rotate_live(self, row, now, target_org_id):
        session = (
            AuthSession.select(AuthSession, User)
            .join(User, on=(AuthSession.user == User.id))
            .where(AuthSession.id == row.session_id)
            .get()
        )
        user = session.user
        if session.revoked_at is not None or row.expires_at <= now or not user.is_active:
            raise unauthorized("Invalid or expired refresh token")
        if target_org_id is not None:
            membership = (
                Membership.select(Membership, Organization)
                .join(Organization)
                .where((Membership.user == user.id) & (Membership.organization == target_org_id))
                .first()
            )
            if membership is None:
                raise forbidden("Not a member of that organization")
        else:
            membership = (
                Membership.select(Membership, Organization)
                .join(Organization)
                .where(
                    (Membership.user == user.id)
                    & (Membership.organization == session.organization_id)
                )
                .first()
            ) or first_membership(user.id)
            if membership is None:
                raise no_organization()
        session.organization = membership.organization_id
        session.save()
        access, refresh, new_row = self._issue(
            session, user.id, membership.organization_id, row.device_info
        )
        RefreshToken.update(revoked_at=now, replaced_by=new_row.id).where(
            RefreshToken.id == row.id
        ).execute()
        return access, refresh, membership

    def logout(self, token):
        """Revoke a refresh token and its session; silent about whatever it was."""
        if not isinstance(token, str):
            return
        now = self.clock()
        with db.atomic():
            row = RefreshToken.get_or_none(RefreshToken.token_hash == token_hash(token))
            if row is None or row.revoked_at is not None:
                return
            RefreshToken.update(revoked_at=now).where(RefreshToken.id == row.id).execute()
            AuthSession.update(revoked_at=now).where(
                (AuthSession.id == row.session_id) & AuthSession.revoked_at.is_null()
            ).execute()

    def authenticate(self, token):
        """Check an access token: (user, organization, membership, session id)."""
        try:
            claims = self.tokens.decode(token, "access")
        except TokenError:
            raise unauthorized() from None
        # One indexed query (hand-written: it runs on every request, and building it with
        # the ORM cost more than running it): the session, its user, the membership of the
        # claimed organization and that organization.
        row = db.execute_sql(AUTH_SQL, (claims["org"], claims["sid"], claims["sub"])).fetchone()
        if row is None or row[1] is not None or not row[3]:
            raise unauthorized()
        if row[9] is None:
            raise forbidden()
        user = User(
            id=claims["sub"], email=row[4], full_name=row[5], avatar_url=row[6], is_active=True
        )
        organization = Organization(
            id=claims["org"], name=row[10], currency=row[11], timezone=row[12]
        )
        membership = Membership(
            id=row[9],
            organization=claims["org"],
            user=user.id,
            role=row[7],
            can_view_all_org_data=bool(row[8]),
            partner=row[2],
        )
        return user, organization, membership, row[0]
