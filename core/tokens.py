"""JWT access and refresh tokens (HS256 only)."""

import datetime as dt
import hashlib
import uuid

import jwt

ALGORITHM = "HS256"
_REQUIRED = {
    "access": ["sub", "org", "sid", "type", "iat", "exp", "jti"],
    "refresh": ["sub", "sid", "type", "iat", "exp", "jti"],
}


class TokenError(Exception):
    """The token is not a valid token of the expected type."""


class Tokens:
    """Signs and checks tokens with one secret and the app's clock."""

    def __init__(self, secret, clock, access_ttl, refresh_ttl):
        self.secret = secret
        self.clock = clock
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def _sign(self, claims, ttl):
        now = self.clock()
        claims = dict(claims, iat=int(now.timestamp()), jti=uuid.uuid4().hex)
        claims["exp"] = int((now + dt.timedelta(seconds=ttl)).timestamp())
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def access(self, user_id, org_id, session_id):
        """A signed access token."""
        claims = {"sub": user_id, "org": org_id, "sid": session_id, "type": "access"}
        return self._sign(claims, self.access_ttl)

    def refresh(self, user_id, session_id):
        """A signed refresh token and its expiry."""
        claims = {"sub": user_id, "sid": session_id, "type": "refresh"}
        expires = self.clock() + dt.timedelta(seconds=self.refresh_ttl)
        return self._sign(claims, self.refresh_ttl), expires

    def decode(self, token, kind):
        """The claims of a valid token of type `kind`; TokenError otherwise."""
        if not isinstance(token, str) or not token:
            raise TokenError("missing token")
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                options={"require": _REQUIRED[kind], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from None
        # Expiry is checked against the injected clock, not the wall clock.
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= self.clock().timestamp():
            raise TokenError("expired")
        if claims.get("type") != kind:
            raise TokenError("wrong token type")
        for name in _REQUIRED[kind]:
            if name not in ("iat", "exp") and not isinstance(claims.get(name), str):
                raise TokenError(f"bad claim {name}")
        return claims


def token_hash(token):
    """SHA-256 hex of a refresh token: the only form stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
