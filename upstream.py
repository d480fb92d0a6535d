"""Upstream CRM API v1 server: configuration, the WSGI app factory and the CLI."""

import argparse
import dataclasses
import os
import pathlib
import secrets
import sys

import falcon

from core import accesslog
from core import errors
from core.accesslog import AccessLog
from core.idempotency import Idempotency
from core.middleware import Auth
from core.middleware import BodyLimit
from core.middleware import Database
from core.middleware import RateLimit
from core.middleware import RequestId
from core.ratelimit import RateLimiter
from core.sessions import Sessions
from core.timeutil import utcnow
from core.tokens import Tokens
from models import create_schema
from models import init_db

MIN_SECRET_BYTES = 32


class ConfigError(Exception):
    """The configuration cannot be used; the message says why."""


def parse_rate(text):
    """`"600/60"` as (600, 60): requests per window seconds."""
    try:
        count, _, window = str(text).partition("/")
        count, window = int(count), int(window)
    except ValueError:
        raise ConfigError(f"rate limit must look like 600/60, not {text!r}") from None
    if count < 1 or window < 1:
        raise ConfigError(f"rate limit must be positive, not {text!r}")
    return count, window


@dataclasses.dataclass
class Config:
    """Every setting of the server. Flags win over environment, environment over defaults."""

    db_path: str = "upstream.db"
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8
    access_ttl: int = 900
    refresh_ttl: int = 2_592_000
    bcrypt_rounds: int = 12
    user_rate_limit: tuple = (600, 60)
    login_rate_limit: tuple = (10, 60)
    refresh_rate_limit: tuple = (30, 60)
    trusted_proxy: str | None = None
    sqlite_synchronous: str = "FULL"
    clock: object = utcnow

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Settings from `UPSTREAM_*` variables, then `overrides` on top."""
        env = os.environ if environ is None else environ
        values = {}
        plain = {
            "UPSTREAM_DB": ("db_path", str),
            "UPSTREAM_SECRET_KEY": ("secret_key", str),
            "UPSTREAM_HOST": ("host", str),
            "UPSTREAM_PORT": ("port", int),
            "UPSTREAM_THREADS": ("threads", int),
            "UPSTREAM_ACCESS_TTL": ("access_ttl", int),
            "UPSTREAM_REFRESH_TTL": ("refresh_ttl", int),
            "UPSTREAM_BCRYPT_ROUNDS": ("bcrypt_rounds", int),
            "UPSTREAM_TRUSTED_PROXY": ("trusted_proxy", str),
            "UPSTREAM_SQLITE_SYNCHRONOUS": ("sqlite_synchronous", str),
        }
        for name, (field, kind) in plain.items():
            if env.get(name):
                try:
                    values[field] = kind(env[name])
                except ValueError:
                    raise ConfigError(f"{name} must be a number, not {env[name]!r}") from None
        rates = {
            "UPSTREAM_USER_RATE_LIMIT": "user_rate_limit",
            "UPSTREAM_LOGIN_RATE_LIMIT": "login_rate_limit",
            "UPSTREAM_REFRESH_RATE_LIMIT": "refresh_rate_limit",
        }
        for name, field in rates.items():
            if env.get(name):
                values[field] = parse_rate(env[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def resolve_secret(self):
        """The signing key: configured, or generated once into `<db>.secret` (0600)."""
        secret = self.secret_key
        if not secret:
            path = pathlib.Path(f"{self.db_path}.secret")
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
            secret = path.read_text().strip()
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigError(f"UPSTREAM_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long")
        return secret

    def validate(self):
        """Refuse settings that cannot work, with a clear message."""
        if self.sqlite_synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise ConfigError("UPSTREAM_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")
        if not 4 <= self.bcrypt_rounds <= 31:
            raise ConfigError("UPSTREAM_BCRYPT_ROUNDS must be between 4 and 31")
        if self.access_ttl < 1 or self.refresh_ttl < 1:
            raise ConfigError("token lifetimes must be positive")


class Services:
    """What the resources share: settings, clock and the auth service."""

    def __init__(self, config, sessions):
        self.config = config
        self.clock = config.clock
        self.sessions = sessions


def create_app(config=None):
    """Build the Falcon WSGI app (settings from the environment when none are given)."""
    from resources import add_routes

    config = config or Config.from_env()
    config.validate()
    secret = config.resolve_secret()
    init_db(config.db_path, config.sqlite_synchronous.upper())
    create_schema()
    tokens = Tokens(secret, config.clock, config.access_ttl, config.refresh_ttl)
    sessions = Sessions(tokens, config.clock, config.bcrypt_rounds)
    limiter = RateLimiter(
        config.clock,
        {
            "login": config.login_rate_limit,
            "refresh": config.refresh_rate_limit,
            "user": config.user_rate_limit,
        },
    )
    app = falcon.App(
        middleware=[
            AccessLog(),
            RequestId(),
            BodyLimit(),
            Database(),
            Auth(sessions),
            RateLimit(limiter, config.trusted_proxy),
            Idempotency(config.clock),
        ]
    )
    app.req_options.strip_url_path_trailing_slash = True
    errors.register(app)
    add_routes(app, Services(config, sessions))
    return app


# waitress settings: see README "Configuration" for why each value.
WAITRESS = {
    "connection_limit": 200,
    "channel_timeout": 60,
    "max_request_body_size": 4 * 1024 * 1024,
    "clear_untrusted_proxy_headers": False,
}


def serve(config, log_json=False):
    """Serve the app with waitress until interrupted."""
    import waitress

    import admin

    accesslog.configure(json_lines=log_json)
    # Held (shared) while serving, so `restore` can tell that a server uses this file.
    lock = admin.server_lock(config.db_path, exclusive=False)
    if lock is None:
        raise ConfigError(f"{config.db_path} is being restored; try again when that is done")
    app = create_app(config)
    print(f"Upstream listening on http://{config.host}:{config.port}/api/v1", flush=True)
    try:
        waitress.serve(app, host=config.host, port=config.port, threads=config.threads, **WAITRESS)
    finally:
        lock.close()


def _add_db(parser, top=False):
    # Top level: `python upstream.py --db X`; after a command: `... create-org A --db X`.
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--db", default=default, help="SQLite file (UPSTREAM_DB, default upstream.db)"
    )


def build_parser():
    """The command-line interface: serve by default, or one admin command."""
    parser = argparse.ArgumentParser(prog="upstream.py", description=__doc__)
    parser.add_argument("--host", help="bind address (UPSTREAM_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (UPSTREAM_PORT, default 8000)")
    _add_db(parser, top=True)
    parser.add_argument("--threads", type=int, help="waitress worker threads (default 8)")
    parser.add_argument("--log-json", action="store_true", help="access log as JSON lines")
    commands = parser.add_subparsers(dest="command", metavar="command")

    def command(name, help_text, *arguments):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        for names, options in arguments:
            sub.add_argument(*names, **options)
        _add_db(sub)
        return sub

    org = (("org",), {"help": "organization id or name"})
    email = (("email",), {"help": "user id or email"})
    name = (("name",), {"help": "name"})
    command("serve", "serve the API with waitress (the default)")
    command(
        "create-org",
        "create an organization with a default pipeline",
        name,
        (("--currency",), {"default": "USD"}),
        (("--timezone",), {"default": "UTC"}),
    )
    command(
        "create-user",
        "create a user (password read from stdin, or prompted)",
        (("email",), {"help": "email"}),
        (("--name",), {"required": True, "help": "full name"}),
    )
    command("set-password", "set a user's password (read from stdin, or prompted)", email)
    command("deactivate-user", "deactivate a user and revoke every session at once", email)
    command(
        "add-member",
        "add a user to an organization (or change the membership)",
        email,
        org,
        (("--role",), {"required": True, "choices": ["admin", "member"]}),
        (("--partner",), {"help": "partner name: the member sees only partner data"}),
        (("--team",), {"help": "team name (created if missing)"}),
    )
    command("remove-member", "remove a user from an organization", email, org)
    command(
        "create-pipeline",
        "create a pipeline (Won and Lost stages are added)",
        org,
        name,
        (("--stages",), {"required": True, "help": "e.g. 'Qualified:20,Demo:50,Proposal:70'"}),
    )
    command("add-company", "add a company to an organization", org, name)
    command("add-source", "add a lead source to an organization", org, name)
    command("add-partner", "add a partner to an organization", org, name)
    command("list-users", "list users (of one organization)", (("org",), {"nargs": "?"}))
    command("backup", "copy the database consistently, even while serving", (("dest",), {}))
    command("restore", "replace the database with a backup (server stopped)", (("src",), {}))
    return parser


def main(argv=None, stdin=None):
    """Entry point: serve (the default command) or run an admin command."""
    import admin

    args = build_parser().parse_args(argv)
    try:
        config = Config.from_env(
            host=args.host, port=args.port, db_path=args.db, threads=args.threads
        )
        config.validate()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command not in (None, "serve"):
        args.db = config.db_path
        args.bcrypt_rounds = config.bcrypt_rounds
        args.stdin = stdin or sys.stdin
        return admin.run(args)
    try:
        serve(config, log_json=args.log_json)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
