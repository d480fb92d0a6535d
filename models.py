"""Peewee models for every table, the database handle and schema creation."""

import uuid
from datetime import timedelta

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CharField
from peewee import DoubleField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import SqliteDatabase
from peewee import TextField

from core.timeutil import from_ms
from core.timeutil import to_ms


class UpstreamDatabase(SqliteDatabase):
    """SQLite with an optional statement trace, for query counts in tests and benchmarks."""

    trace = None  # a callable taking each SQL statement, or None

    def _add_conn_hooks(self, conn):
        super()._add_conn_hooks(conn)
        if self.trace is not None:
            conn.set_trace_callback(self.trace)


# Initialised by `upstream.create_app` (or `init_db`): nothing is opened at import.
# Every `db.atomic()` begins IMMEDIATE: a write transaction takes the write lock up
# front, so concurrent writers queue on the busy timeout instead of deadlocking.
db = UpstreamDatabase(None, lock_type="IMMEDIATE")


def new_id():
    """A fresh UUID string, the id of every row."""
    return str(uuid.uuid4())


class TimeField(BigIntegerField):
    """An aware UTC datetime stored as integer milliseconds: compact and sortable."""

    def db_value(self, value):
        if value is None or isinstance(value, int):
            return value
        return to_ms(value)

    def python_value(self, value):
        return None if value is None else from_ms(value)


class BaseModel(Model):
    id = CharField(primary_key=True, max_length=36, default=new_id)

    class Meta:
        database = db
        legacy_table_names = False


class Organization(BaseModel):
    name = CharField(max_length=255)
    currency = CharField(max_length=10, default="USD")
    timezone = CharField(max_length=64, default="UTC")
    created_at = TimeField()


class User(BaseModel):
    email = CharField(max_length=254, unique=True)  # stored lower-cased
    full_name = CharField(max_length=255)
    avatar_url = CharField(max_length=1000, null=True)
    password_hash = CharField(max_length=100)
    is_active = BooleanField(default=True)
    created_at = TimeField()


class Partner(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=255)


class Membership(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    role = CharField(max_length=10)  # admin | member
    can_view_all_org_data = BooleanField(default=True)
    partner = ForeignKeyField(Partner, null=True, on_delete="SET NULL")
    joined_at = TimeField()

    class Meta:
        indexes = (
            (("user", "organization"), True),
            (("organization", "user"), False),
            (("user", "joined_at"), False),
        )


class Team(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=255)


class TeamMember(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    team = ForeignKeyField(Team, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        indexes = (
            (("team", "user"), True),
            (("organization", "user", "team"), False),
        )


class LeadSource(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=255)


class Company(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=255)
    name_key = CharField(max_length=255)  # case-folded name: search and uniqueness
    is_deleted = BooleanField(default=False)
    created_at = TimeField()
    updated_at = TimeField()

    class Meta:
        indexes = ((("organization", "name_key", "id"), False),)


class Pipeline(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=255)
    is_active = BooleanField(default=True)
    order_index = IntegerField(default=1)
    created_at = TimeField()

    class Meta:
        indexes = ((("organization", "is_active", "order_index"), False),)


class Stage(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    pipeline = ForeignKeyField(Pipeline, backref="stages", on_delete="CASCADE")
    name = CharField(max_length=255)
    order_index = IntegerField()
    color = CharField(max_length=20, default="#64748b")
    probability = IntegerField(default=0)
    kind = CharField(max_length=10, default="open")  # open | won | lost

    class Meta:
        indexes = ((("pipeline", "order_index"), False),)


class Contact(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    company = ForeignKeyField(Company, null=True, on_delete="SET NULL")
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100, default="")
    sort_first = CharField(max_length=100)  # case-folded, for order and search
    sort_last = CharField(max_length=100)
    email = CharField(max_length=254, null=True)
    email_key = CharField(max_length=254, null=True)  # case-folded email
    phone = CharField(max_length=50, null=True)
    job_title = CharField(max_length=100, null=True)
    address = CharField(max_length=500, null=True)
    city = CharField(max_length=100, null=True)
    state = CharField(max_length=100, null=True)
    country = CharField(max_length=100, null=True)
    postal_code = CharField(max_length=20, null=True)
    notes = TextField(null=True)
    is_deleted = BooleanField(default=False)
    created_at = TimeField()
    updated_at = TimeField()

    class Meta:
        indexes = (
            (("organization", "is_deleted", "sort_last", "sort_first", "id"), False),
            (("organization", "company"), False),
            (("organization", "owner"), False),
        )


class ActivityTemplate(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=255)
    description = TextField(null=True)
    archived_at = TimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = TimeField()
    updated_at = TimeField()

    class Meta:
        indexes = ((("organization", "archived_at"), False),)


class TemplateStep(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    template = ForeignKeyField(ActivityTemplate, backref="steps", on_delete="CASCADE")
    order_index = IntegerField()
    type = CharField(max_length=20)
    title = CharField(max_length=255)
    description = TextField(null=True)

    class Meta:
        indexes = ((("template", "order_index"), False),)


class Deal(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    pipeline = ForeignKeyField(Pipeline, on_delete="CASCADE")
    stage = ForeignKeyField(Stage, on_delete="CASCADE")
    owner = ForeignKeyField(User, on_delete="CASCADE")
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    company = ForeignKeyField(Company, null=True, on_delete="SET NULL")
    source = ForeignKeyField(LeadSource, null=True, on_delete="SET NULL")
    partner = ForeignKeyField(Partner, null=True, on_delete="SET NULL")
    template = ForeignKeyField(ActivityTemplate, null=True, on_delete="SET NULL")
    reopen_stage = ForeignKeyField(Stage, null=True, on_delete="SET NULL")
    title = CharField(max_length=255)
    title_key = CharField(max_length=255)  # case-folded title for search
    value = DoubleField(default=0)
    currency = CharField(max_length=10)
    probability = IntegerField(null=True)
    expected_close_date = TimeField(null=True)
    visibility = CharField(max_length=20, default="organization")
    notes = TextField(null=True)
    temperature = CharField(max_length=10, default="cold")
    status = CharField(max_length=10, default="open")
    lost_reason = CharField(max_length=500, null=True)
    closed_at = TimeField(null=True)
    is_deleted = BooleanField(default=False)
    created_at = TimeField()
    updated_at = TimeField()

    class Meta:
        indexes = (
            (("organization", "is_deleted", "updated_at", "id"), False),
            (("organization", "stage", "status"), False),
            (("organization", "pipeline", "status"), False),
            (("organization", "owner"), False),
            (("organization", "contact"), False),
            (("organization", "company"), False),
            (("organization", "partner"), False),
            (("pipeline", "status", "updated_at", "id"), False),
        )


class DealStageHistory(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    deal = ForeignKeyField(Deal, on_delete="CASCADE")
    from_stage = ForeignKeyField(Stage, null=True, on_delete="SET NULL")
    to_stage = ForeignKeyField(Stage, on_delete="CASCADE")
    changed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    changed_at = TimeField()

    class Meta:
        table_name = "deal_stage_history"
        indexes = ((("deal", "changed_at"), False),)


class DealEvent(BaseModel):
    """The deal timeline: stage and status changes. Never an activity."""

    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    deal = ForeignKeyField(Deal, on_delete="CASCADE")
    kind = CharField(max_length=50)  # e.g. deal_stage_changed
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    data = TextField(default="{}")
    created_at = TimeField()

    class Meta:
        table_name = "deal_timeline"
        indexes = ((("deal", "created_at"), False),)


class Activity(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    type = CharField(max_length=20)
    title = CharField(max_length=255)
    description = TextField(null=True)
    due_date = TimeField(null=True)
    due_sort = BigIntegerField()  # due_date in ms, or UNDATED: undated sort last
    completed_at = TimeField(null=True)
    duration_minutes = IntegerField(null=True)
    assignee = ForeignKeyField(User, null=True, on_delete="SET NULL")
    deal = ForeignKeyField(Deal, null=True, on_delete="SET NULL")
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    is_deleted = BooleanField(default=False)
    created_at = TimeField()
    updated_at = TimeField()

    UNDATED = 2**62

    class Meta:
        indexes = (
            (("organization", "is_deleted", "due_sort", "id"), False),
            (("deal", "is_deleted", "completed_at", "due_sort"), False),
            (("organization", "assignee", "due_sort"), False),
            (("organization", "contact"), False),
        )


class DealTemplateStep(BaseModel):
    """A template step copied onto a deal, with its progress."""

    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    deal = ForeignKeyField(Deal, on_delete="CASCADE")
    template = ForeignKeyField(ActivityTemplate, null=True, on_delete="SET NULL")
    step_index = IntegerField()
    type = CharField(max_length=20)
    title = CharField(max_length=255)
    description = TextField(null=True)
    status = CharField(max_length=20, default="pending")
    activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "deal_template_progress"
        indexes = (
            (("deal", "step_index"), True),
            (("activity",), False),
        )


class Device(BaseModel):
    organization = ForeignKeyField(Organization, null=True, on_delete="SET NULL")
    user = ForeignKeyField(User, on_delete="CASCADE")
    expo_push_token = CharField(max_length=255, unique=True)
    platform = CharField(max_length=10)
    device_info = CharField(max_length=500, null=True)
    created_at = TimeField()
    last_seen_at = TimeField()
    revoked_at = TimeField(null=True)


class AuthSession(BaseModel):
    """One login; every refresh token of its rotation chain belongs to it."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    device_info = CharField(max_length=500, null=True)
    created_at = TimeField()
    revoked_at = TimeField(null=True)

    class Meta:
        indexes = ((("user", "revoked_at"), False),)


class RefreshToken(BaseModel):
    session = ForeignKeyField(AuthSession, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)  # SHA-256 hex, never the token
    device_info = CharField(max_length=500, null=True)
    created_at = TimeField()
    expires_at = TimeField()
    revoked_at = TimeField(null=True)
    replaced_by = ForeignKeyField("self", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "mobile_refresh_tokens"
        indexes = ((("user", "revoked_at"), False),)


MODELS = [
    Organization,
    User,
    Partner,
    Membership,
    Team,
    TeamMember,
    LeadSource,
    Company,
    Pipeline,
    Stage,
    Contact,
    ActivityTemplate,
    TemplateStep,
    Deal,
    DealStageHistory,
    DealEvent,
    Activity,
    DealTemplateStep,
    Device,
    AuthSession,
    RefreshToken,
]

# Uniqueness that must hold under concurrent writers, enforced by SQLite itself.
EXTRA_INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS contact_email_unique ON contact "
    "(organization_id, email_key) WHERE is_deleted = 0 AND email_key IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS company_name_unique ON company "
    "(organization_id, name_key) WHERE is_deleted = 0",
    # Open activities in due order: the status filters (overdue, due_today, upcoming,
    # open) read this instead of walking past years of completed activities.
    "CREATE INDEX IF NOT EXISTS activity_open_due ON activity "
    "(organization_id, is_deleted, due_sort, id) WHERE completed_at IS NULL",
]


def init_db(path, synchronous="FULL"):
    """Point the shared database handle at a file with this project's pragmas."""
    db.init(
        str(path),
        # Per connection: WAL is a property of the file (set in create_schema), and the
        # 30 s busy timeout is sqlite3's `timeout`, so concurrent writers queue.
        pragmas={
            "foreign_keys": 1,
            "synchronous": synchronous,
            "cache_size": -16_000,
        },
        timeout=30,
        check_same_thread=False,
    )
    return db


def create_schema():
    """Create every table and index that is missing."""
    with db.connection_context():
        db.execute_sql("PRAGMA journal_mode=wal")
        # IF NOT EXISTS throughout, so an older database gains new tables and indexes.
        with db.atomic():  # one transaction: one sync instead of one per statement
            db.create_tables(MODELS, safe=True)
            for statement in EXTRA_INDEXES:
                db.execute_sql(statement)


def has_data():
    """True when the database holds any organization or user."""
    with db.connection_context():
        return Organization.select().exists() or User.select().exists()


class QueryLog:
    """Records the SQL statements (not BEGIN/COMMIT/PRAGMA) run while active.

    `with QueryLog() as log: ...` then `log.count`; used by tests and the benchmark.
    """

    KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self):
        self.statements = []

    def __call__(self, sql):
        if sql.lstrip().upper().startswith(self.KINDS):
            self.statements.append(sql)

    def __enter__(self):
        if not db.is_closed():
            db.close()  # the next connection gets the trace hook
        db.trace = self
        return self

    def __exit__(self, *exc):
        db.trace = None
        if not db.is_closed():
            db.close()

    @property
    def count(self):
        """How many statements ran."""
        return len(self.statements)


def touch(row, now):
    """Move `updated_at` to now, and always forward, so every change reorders lists."""
    if row.updated_at is not None and row.updated_at >= now:
        now = row.updated_at + timedelta(milliseconds=1)
    row.updated_at = now
    return now


def apply_changes(row, values, now):
    """Set the fields whose value differs and move `updated_at`; True if any changed."""
    changed = {key: value for key, value in values.items() if row.__data__.get(key) != value}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        touch(row, now)
    return bool(changed)


class IdempotencyKey(BaseModel):
    """A POST's Idempotency-Key and its first response, kept for 24 hours."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    key = CharField(max_length=255)
    fingerprint = CharField(max_length=64)  # SHA-256 of path and body
    status_code = IntegerField(null=True)  # None while the first request is in flight
    response_body = TextField(null=True)
    created_at = TimeField()
    expires_at = TimeField()

    class Meta:
        table_name = "idempotency_keys"
        indexes = (
            (("user", "key"), True),
            (("expires_at",), False),
        )


MODELS.append(IdempotencyKey)
