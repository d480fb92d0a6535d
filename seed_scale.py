"""A large organization for benchmarks: `python seed.py --scale N [--db PATH]`.

Scale Co: admin@scale.example and rep1..rep20@scale.example (the demo password), N deals over two
pipelines, N/2 contacts, N/10 companies and 3N activities, with realistic spreads: most deals
closed over two years, a few thousand open; most activities done, the rest overdue, due today,
upcoming or undated. Rows go in with executemany in one transaction.
"""

import datetime as dt
import random
import uuid

from core.passwords import hash_password
from core.timeutil import to_ms
from models import Activity
from models import Company
from models import Contact
from models import Deal
from models import DealStageHistory
from models import LeadSource
from models import Membership
from models import Organization
from models import Partner
from models import Pipeline
from models import Stage
from models import Team
from models import TeamMember
from models import User
from models import db

FIRST = (
    "Ada Ben Cleo Dev Eva Finn Gia Hugo Iris Jon Kai Lena Milo Nora Omar Pia Quin Rosa Sven Tara"
).split()
LAST = (
    "Abbott Baker Cruz Diaz Evans Fox Gray Hale Ito Jones Khan Lopez Moss Nash Ortiz Park"
    " Reyes Stone Tran Wu"
).split()
WORDS = (
    "Cloud Data Fleet Growth Health Infra Logistics Media Network Payments Retail Security".split()
)
SALES = [
    ("Qualified", 20, "open"),
    ("Demo", 40, "open"),
    ("Proposal", 60, "open"),
    ("Negotiation", 80, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]
RENEWALS = [
    ("Due", 50, "open"),
    ("In talks", 70, "open"),
    ("Signed off", 90, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]
TYPES = ["call", "email", "meeting", "message", "task", "note", "demo", "physical_visit"]
UNDATED = Activity.UNDATED


def _id():
    return str(uuid.uuid4())


def _insert(model, rows):
    """executemany over column tuples in the model's field order."""
    if not rows:
        return
    columns = [field.column_name for field in model._meta.sorted_fields]
    marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'
    db.connection().executemany(sql, rows)


def _fields(model, **values):
    """A row tuple in field order, from column values (ids, ints and strings)."""
    return tuple(values.get(f.name, _default(f)) for f in model._meta.sorted_fields)


def _default(field):
    default = field.default
    value = default() if callable(default) else default
    return field.db_value(value) if value is not None else None


def load_scale(n, now=None, bcrypt_rounds=12, password="correct horse battery staple"):
    """Insert Scale Co with `n` deals into the initialised database."""
    rng = random.Random(n)
    now = now or dt.datetime.now(dt.UTC)
    now_ms = to_ms(now)
    day = 86_400_000
    hashed = hash_password(password, bcrypt_rounds)
    org = _id()
    with db.atomic():
        _insert(
            Organization,
            [
                _fields(
                    Organization,
                    id=org,
                    name="Scale Co",
                    currency="USD",
                    timezone="UTC",
                    created_at=now_ms,
                )
            ],
        )
        emails = ["admin@scale.example"] + [f"rep{i}@scale.example" for i in range(1, 21)]
        users = [_id() for _ in emails]
        names = ["Scale Admin"] + [f"{FIRST[i % 20]} {LAST[(i * 3) % 20]}" for i in range(1, 21)]
        _insert(
            User,
            [
                _fields(
                    User,
                    id=u,
                    email=e,
                    full_name=nm,
                    password_hash=hashed,
                    is_active=1,
                    created_at=now_ms,
                )
                for u, e, nm in zip(users, emails, names, strict=True)
            ],
        )
        partners = [_id(), _id()]
        _insert(
            Partner,
            [
                _fields(Partner, id=p, organization=org, name=f"Partner {i + 1}")
                for i, p in enumerate(partners)
            ],
        )
        members = []
        for i, user in enumerate(users):
            scoped = i in (19, 20)  # rep19 and rep20 work for partners
            members.append(
                _fields(
                    Membership,
                    id=_id(),
                    organization=org,
                    user=user,
                    role="admin" if i == 0 else "member",
                    can_view_all_org_data=0 if scoped else 1,
                    partner=partners[i - 19] if scoped else None,
                    joined_at=now_ms - (400 - i) * day,
                )
            )
        _insert(Membership, members)
        teams = [_id() for _ in range(4)]
        _insert(
            Team,
            [
                _fields(Team, id=t, organization=org, name=nm)
                for t, nm in zip(teams, ["North", "South", "East", "West"], strict=True)
            ],
        )
        _insert(
            TeamMember,
            [
                _fields(
                    TeamMember, id=_id(), organization=org, team=teams[(i - 1) // 5], user=users[i]
                )
                for i in range(1, 21)
            ],
        )
        sources = [_id() for _ in range(3)]
        _insert(
            LeadSource,
            [
                _fields(LeadSource, id=s, organization=org, name=nm)
                for s, nm in zip(sources, ["Inbound", "Referral", "Events"], strict=True)
            ],
        )
        pipelines, stages = [], []
        for order, (name, spec) in enumerate([("Sales", SALES), ("Renewals", RENEWALS)], start=1):
            pipeline = _id()
            pipelines.append((pipeline, []))
            _insert(
                Pipeline,
                [
                    _fields(
                        Pipeline,
                        id=pipeline,
                        organization=org,
                        name=name,
                        is_active=1,
                        order_index=order,
                        created_at=now_ms,
                    )
                ],
            )
            for index, (stage_name, probability, kind) in enumerate(spec, start=1):
                stage = _id()
                pipelines[-1][1].append((stage, kind, probability))
                stages.append(
                    _fields(
                        Stage,
                        id=stage,
                        organization=org,
                        pipeline=pipeline,
                        name=stage_name,
                        order_index=index,
                        color="#64748b",
                        probability=probability,
                        kind=kind,
                    )
                )
        _insert(Stage, stages)
        companies = [_id() for _ in range(max(1, n // 10))]
        _insert(
            Company,
            [
                _fields(
                    Company,
                    id=c,
                    organization=org,
                    name=f"{WORDS[i % 12]} {LAST[i % 20]} {i}",
                    name_key=f"{WORDS[i % 12]} {LAST[i % 20]} {i}".casefold(),
                    is_deleted=0,
                    created_at=now_ms,
                    updated_at=now_ms,
                )
                for i, c in enumerate(companies)
            ],
        )
        contacts = [_id() for _ in range(max(1, n // 2))]
        rows = []
        for i, contact in enumerate(contacts):
            first, last = FIRST[rng.randrange(20)], LAST[rng.randrange(20)]
            email = f"{first}.{last}.{i}@example.com".lower()
            rows.append(
                _fields(
                    Contact,
                    id=contact,
                    organization=org,
                    owner=users[rng.randrange(21)],
                    company=companies[rng.randrange(len(companies))],
                    first_name=first,
                    last_name=last,
                    sort_first=first.casefold(),
                    sort_last=last.casefold(),
                    email=email,
                    email_key=email,
                    phone=f"+1 555 {i:07d}",
                    is_deleted=0,
                    created_at=now_ms - rng.randrange(730) * day,
                    updated_at=now_ms - rng.randrange(365) * day,
                )
            )
        _insert(Contact, rows)
        _deals_and_activities(
            rng, n, org, users, partners, sources, pipelines, companies, contacts, now_ms
        )
    return org


def _deals_and_activities(
    rng, n, org, users, partners, sources, pipelines, companies, contacts, now_ms
):
    day = 86_400_000
    deals, history, activities = [], [], []
    for i in range(n):
        deal = _id()
        pipeline, stage_list = pipelines[0] if rng.random() < 0.6 else pipelines[1]
        roll = rng.random()
        status = "open" if roll < 0.05 else ("won" if roll < 0.45 else "lost")
        open_stages = [s for s in stage_list if s[1] == "open"]
        stage = (
            rng.choice(open_stages)
            if status == "open"
            else next(s for s in stage_list if s[1] == status)
        )
        owner = users[1 + rng.randrange(20)] if rng.random() < 0.95 else users[0]
        visibility = rng.choices(["organization", "team", "private"], [80, 15, 5])[0]
        created = now_ms - rng.randrange(730) * day - rng.randrange(day)
        updated = min(now_ms, created + rng.randrange(120) * day + rng.randrange(day))
        kind = rng.choice(["upgrade", "renewal", "pilot", "expansion"])
        title = f"{WORDS[rng.randrange(12)]} {kind} {i}"
        deals.append(
            _fields(
                Deal,
                id=deal,
                organization=org,
                pipeline=pipeline,
                stage=stage[0],
                owner=owner,
                contact=contacts[rng.randrange(len(contacts))],
                company=companies[rng.randrange(len(companies))],
                source=sources[rng.randrange(3)] if rng.random() < 0.5 else None,
                partner=partners[rng.randrange(2)] if rng.random() < 0.1 else None,
                reopen_stage=open_stages[0][0] if status != "open" else None,
                title=title,
                title_key=title.casefold(),
                value=float(rng.randrange(500, 200_000)),
                currency="USD",
                probability=stage[2],
                expected_close_date=created + 60 * day,
                visibility=visibility,
                temperature="hot" if rng.random() < 0.3 else "cold",
                status=status,
                lost_reason="Lost to competitor" if status == "lost" else None,
                closed_at=updated if status != "open" else None,
                is_deleted=0,
                created_at=created,
                updated_at=updated,
            )
        )
        history.append(
            _fields(
                DealStageHistory,
                id=_id(),
                organization=org,
                deal=deal,
                from_stage=None,
                to_stage=stage[0],
                changed_by=owner,
                changed_at=updated,
            )
        )
        for k in range(3):
            if status != "open" or k == 0:
                due = created + rng.randrange(1, 90) * day
                done = due if due < now_ms else None
            else:
                due = (
                    None
                    if rng.random() < 0.1
                    else now_ms + rng.randrange(-10, 20) * day + rng.randrange(day)
                )
                done = None
            kind = TYPES[rng.randrange(8)]
            activities.append(
                _fields(
                    Activity,
                    id=_id(),
                    organization=org,
                    type=kind,
                    title=f"{kind} for deal {i}",
                    due_date=due,
                    due_sort=UNDATED if due is None else due,
                    completed_at=done,
                    assignee=owner,
                    deal=deal,
                    created_by=owner,
                    is_deleted=0,
                    created_at=created + k * day,
                    updated_at=created + k * day,
                )
            )
        if len(deals) >= 20_000:
            _flush(deals, history, activities)
    _flush(deals, history, activities)


def _flush(deals, history, activities):
    _insert(Deal, deals)
    _insert(DealStageHistory, history)
    _insert(Activity, activities)
    deals.clear()
    history.clear()
    activities.clear()
