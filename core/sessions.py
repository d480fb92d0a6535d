"""Login, refresh rotation with reuse detection, logout, and access-token checks."""

import threading

from peewee import JOIN

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
        theft = False
        with db.atomic():
            row = RefreshToken.get_or_none(RefreshToken.token_hash == digest)
            if row is None or row.user_id != claims["sub"] or row.session_id != claims["sid"]:
                raise unauthorized("Invalid or expired refresh token")
            if row.revoked_at is not None:
                theft = row.replaced_by_id is not None
                if theft:
                    revoke_all_sessions(row.user_id, now)
            else:
                result = self._rotate_live(row, now, target_org_id)
        if theft:
            raise unauthorized("Refresh token reuse detected; every session was revoked")
        if row.revoked_at is not None:
            raise unauthorized("Refresh token revoked")
        return result

    def _rotate_live(self, row, now, target_org_id):
        session = AuthSession.get_by_id(row.session_id)
        user = User.get_by_id(row.user_id)
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
        # One indexed query: the session, its user, and the membership of the claimed org.
        row = (
            AuthSession.select(
                AuthSession.id, AuthSession.revoked_at, User, Membership, Organization
            )
            .join(User, on=(AuthSession.user == User.id))
            .switch(AuthSession)
            .join(
                Membership,
                JOIN.LEFT_OUTER,
                on=(Membership.user == AuthSession.user)
                & (Membership.organization == claims["org"]),
                attr="membership",
            )
            .join(
                Organization,
                JOIN.LEFT_OUTER,
                on=(Membership.organization == Organization.id),
                attr="org",
            )
            .where((AuthSession.id == claims["sid"]) & (AuthSession.user == claims["sub"]))
            .first()
        )
        if row is None or row.revoked_at is not None or not row.user.is_active:
            raise unauthorized()
        membership = getattr(row, "membership", None)
        if membership is None or membership.id is None:
            raise forbidden()
        return row.user, membership.org, membership, row.id
