"""Admin commands of `python upstream.py <command>`: organizations, users, members, backups."""

import datetime as dt
import fcntl
import getpass
import os
import re
import sqlite3
import sys
from contextlib import nullcontext

from peewee import PeeweeException

from core.passwords import hash_password
from core.search import fold
from core.sessions import revoke_all_sessions
from core.timeutil import utcnow
from models import Company
from models import LeadSource
from models import Membership
from models import Organization
from models import Partner
from models import Pipeline
from models import Stage
from models import Team
from models import TeamMember
from models import User
from models import create_schema
from models import db
from models import init_db

DEFAULT_STAGES = "Qualified:20,Demo:50,Proposal:70"
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class CommandError(Exception):
    """A command cannot do what was asked; the message says why."""


def open_db(path):
    """Point the database handle at `path` (creating the schema if needed)."""
    init_db(path)
    create_schema()


def find_org(ref):
    """An organization by id or by (case-insensitive) name."""
    query = Organization.select()
    if UUID.match(ref):
        query = query.where(Organization.id == ref.lower())
    else:
        query = query.where(Organization.name.collate("NOCASE") == ref)
    rows = list(query.limit(2))
    if not rows:
        raise CommandError(f"no organization {ref!r}")
    if len(rows) > 1:
        raise CommandError(f"several organizations are named {ref!r}: use its id")
    return rows[0]


def find_user(ref):
    """A user by id or by email."""
    if UUID.match(ref):
        user = User.get_or_none(User.id == ref.lower())
    else:
        user = User.get_or_none(User.email == ref.strip().lower())
    if user is None:
        raise CommandError(f"no user {ref!r}")
    return user


def read_password(stdin):
    """A new password: one line of stdin when it is not a terminal, else prompted twice."""
    if stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != first:
            raise CommandError("the passwords do not match")
        password = first
    else:
        password = stdin.readline().rstrip("\r\n")
    if not 1 <= len(password) <= 200:
        raise CommandError("a password has 1 to 200 characters")
    return password


def _stages(spec):
    stages = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, _, probability = part.rpartition(":")
        if not name or not probability.isdigit() or not 0 <= int(probability) <= 100:
            raise CommandError(f"stage {part!r}: write it as Name:probability (0-100)")
        stages.append((name.strip(), int(probability)))
    if not stages:
        raise CommandError("give at least one open stage, e.g. --stages 'Qualified:20,Demo:50'")
    return stages


def make_pipeline(org, name, spec):
    """A pipeline with the given open stages, then Won and Lost."""
    count = Pipeline.select().where(Pipeline.organization == org.id).count()
    pipeline = Pipeline.create(
        organization=org.id, name=name, order_index=count + 1, created_at=utcnow()
    )
    stages = _stages(spec) + [("Won", 100), ("Lost", 0)]
    for index, (stage, probability) in enumerate(stages, start=1):
        kind = {len(stages) - 1: "won", len(stages): "lost"}.get(index, "open")
        Stage.create(
            organization=org.id,
            pipeline=pipeline.id,
            name=stage,
            order_index=index,
            probability=probability,
            kind=kind,
        )
    return pipeline


def create_org(args, out):
    if not args.name.strip():
        raise CommandError("an organization needs a name")
    with db.atomic():
        org = Organization.create(
            name=args.name.strip(),
            currency=args.currency.upper(),
            timezone=args.timezone,
            created_at=utcnow(),
        )
        make_pipeline(org, "Default Pipeline", DEFAULT_STAGES)
    out(f"created organization {org.name} ({org.id}) with Default Pipeline")


def create_user(args, out):
    email = args.email.strip().lower()
    if not EMAIL.match(email):
        raise CommandError(f"{args.email!r} is not an email address")
    if User.get_or_none(User.email == email):
        raise CommandError(f"a user {email} already exists")
    password = read_password(args.stdin)
    user = User.create(
        email=email,
        full_name=args.name,
        password_hash=hash_password(password, args.bcrypt_rounds),
        created_at=utcnow(),
    )
    out(f"created user {email} ({user.id})")


def set_password(args, out):
    user = find_user(args.email)
    hashed = hash_password(read_password(args.stdin), args.bcrypt_rounds)
    User.update(password_hash=hashed).where(User.id == user.id).execute()
    out(f"password of {user.email} changed")


def deactivate_user(args, out):
    user = find_user(args.email)
    with db.atomic():
        User.update(is_active=False).where(User.id == user.id).execute()
        revoke_all_sessions(user.id, utcnow())
    out(f"{user.email} deactivated; every session revoked")


def add_member(args, out):
    user, org = find_user(args.email), find_org(args.org)
    partner = None
    if args.partner:
        partner = Partner.get_or_none(
            (Partner.organization == org.id) & (Partner.name.collate("NOCASE") == args.partner)
        )
        if partner is None:
            raise CommandError(
                f"no partner {args.partner!r} in {org.name}: add it with add-partner"
            )
    with db.atomic():
        membership = Membership.get_or_none(
            (Membership.user == user.id) & (Membership.organization == org.id)
        )
        values = {
            "role": args.role,
            "partner": partner.id if partner else None,
            "can_view_all_org_data": partner is None,
        }
        if membership is None:
            Membership.create(user=user.id, organization=org.id, joined_at=utcnow(), **values)
        else:
            Membership.update(**values).where(Membership.id == membership.id).execute()
        if args.team:
            team = Team.get_or_none((Team.organization == org.id) & (Team.name == args.team))
            team = team or Team.create(organization=org.id, name=args.team)
            TeamMember.get_or_create(organization=org.id, team=team.id, user=user.id)
    out(f"{user.email} is {args.role} of {org.name}")


def remove_member(args, out):
    user, org = find_user(args.email), find_org(args.org)
    with db.atomic():
        removed = (
            Membership.delete()
            .where((Membership.user == user.id) & (Membership.organization == org.id))
            .execute()
        )
        TeamMember.delete().where(
            (TeamMember.user == user.id) & (TeamMember.organization == org.id)
        ).execute()
    if not removed:
        raise CommandError(f"{user.email} is not a member of {org.name}")
    out(f"{user.email} removed from {org.name}")


def create_pipeline(args, out):
    org = find_org(args.org)
    with db.atomic():
        pipeline = make_pipeline(org, args.name, args.stages)
    out(f"created pipeline {args.name} ({pipeline.id}) in {org.name}")


def add_company(args, out):
    org = find_org(args.org)
    key = fold(args.name.strip())
    exists = Company.get_or_none(
        (Company.organization == org.id) & (Company.name_key == key) & (Company.is_deleted == False)
    )
    if exists:
        raise CommandError(f"{org.name} already has a company {args.name!r}")
    now = utcnow()
    company = Company.create(
        organization=org.id, name=args.name.strip(), name_key=key, created_at=now, updated_at=now
    )
    out(f"created company {company.name} ({company.id})")


def add_source(args, out):
    org = find_org(args.org)
    source = LeadSource.create(organization=org.id, name=args.name.strip())
    out(f"created source {source.name} ({source.id})")


def add_partner(args, out):
    org = find_org(args.org)
    partner = Partner.create(organization=org.id, name=args.name.strip())
    out(f"created partner {partner.name} ({partner.id})")


def list_users(args, out):
    query = User.select().order_by(User.email)
    if args.org:
        org = find_org(args.org)
        query = query.join(Membership).where(Membership.organization == org.id)
    for user in query:
        memberships = (
            Membership.select(Membership, Organization)
            .join(Organization)
            .where(Membership.user == user.id)
            .order_by(Membership.joined_at)
        )
        orgs = ", ".join(f"{m.organization.name} ({m.role})" for m in memberships) or "-"
        state = "active" if user.is_active else "inactive"
        out(f"{user.email}\t{user.full_name}\t{state}\t{orgs}")


def _integrity(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def backup(args, out):
    """A consistent copy through SQLite's online backup API, safe while the server writes."""
    if not os.path.exists(args.db):
        raise CommandError(f"{args.db} does not exist")
    source = sqlite3.connect(args.db, timeout=30)
    target = sqlite3.connect(args.dest)
    try:
        source.backup(target)  # one step: a consistent snapshot under a read lock
    finally:
        target.close()
        source.close()
    verdict = _integrity(args.dest)
    if verdict != "ok":
        raise CommandError(f"the copy failed integrity_check: {verdict}")
    out(f"backed up {args.db} to {args.dest} ({os.path.getsize(args.dest)} bytes, integrity ok)")


def server_lock(db_path, exclusive):
    """Take the lock that a running server holds shared; None if it cannot be had."""
    handle = open(f"{db_path}.lock", "a")  # noqa: SIM115 - held for the process's life
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def restore(args, out):
    """Replace the database with a backup, if no server holds it and the backup is sound."""
    if not os.path.exists(args.src):
        raise CommandError(f"{args.src} does not exist")
    verdict = _integrity(args.src)
    if verdict != "ok":
        raise CommandError(f"{args.src} fails integrity_check ({verdict}); nothing replaced")
    lock = server_lock(args.db, exclusive=True)
    if lock is None:
        raise CommandError(f"a running server holds {args.db}: stop it first, then restore")
    try:
        source = sqlite3.connect(args.src)
        target = sqlite3.connect(args.db, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    finally:
        lock.close()
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    out(f"restored {args.db} from {args.src} at {stamp}")


COMMANDS = {
    "create-org": create_org,
    "create-user": create_user,
    "set-password": set_password,
    "deactivate-user": deactivate_user,
    "add-member": add_member,
    "remove-member": remove_member,
    "create-pipeline": create_pipeline,
    "add-company": add_company,
    "add-source": add_source,
    "add-partner": add_partner,
    "list-users": list_users,
    "backup": backup,
    "restore": restore,
}
NO_SCHEMA = {"backup", "restore"}


def run(args, out=print):
    """Run one admin command; returns the exit status (errors go to stderr)."""
    try:
        if args.command not in NO_SCHEMA:
            open_db(args.db)
        opened = db.connection_context() if args.command not in NO_SCHEMA else nullcontext()
        with opened:
            COMMANDS[args.command](args, out)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, PeeweeException) as exc:
        print(f"error: database: {exc}", file=sys.stderr)
        return 1
    return 0
