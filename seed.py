"""Demo data (CONTRACT §2): `python seed.py [--db PATH] [--reset]`."""

import argparse
import datetime as dt
import os
import random
import sys
import time

from core.passwords import hash_password
from core.search import fold
from core.timeutil import day_start
from core.timeutil import local_day
from core.timeutil import utcnow
from models import MODELS
from models import Activity
from models import ActivityTemplate
from models import Company
from models import Contact
from models import Deal
from models import DealStageHistory
from models import DealTemplateStep
from models import LeadSource
from models import Membership
from models import Organization
from models import Partner
from models import Pipeline
from models import Stage
from models import Team
from models import TeamMember
from models import TemplateStep
from models import User
from models import create_schema
from models import db
from models import has_data
from models import init_db
from models import new_id
from seed_scale import load_scale

DEMO_PASSWORD = "correct horse battery staple"

PEOPLE = [
    ("jane@acme.com", "Jane Doe"),
    ("sam@acme.com", "Sam Carter"),
    ("kim@acme.com", "Kim Tran"),
    ("lee@acme.com", "Lee Park"),
    ("pat@northwind.io", "Pat Quinn"),
    ("hank@globex.com", "Hank Scorpio"),
    ("nobody@example.com", "No Body"),
]

DEFAULT_STAGES = [
    ("Qualified", 20, "#3b82f6", "open"),
    ("Demo", 50, "#a855f7", "open"),
    ("Proposal", 70, "#f59e0b", "open"),
    ("Won", 100, "#22c55e", "won"),
    ("Lost", 0, "#ef4444", "lost"),
]
ENTERPRISE_STAGES = [
    ("Discovery", 10, "#0ea5e9", "open"),
    ("Evaluation", 40, "#6366f1", "open"),
    ("Negotiation", 75, "#f97316", "open"),
    ("Won", 100, "#22c55e", "won"),
    ("Lost", 0, "#ef4444", "lost"),
]
ACME_COMPANIES = [
    "TechCorp",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Logistics",
    "Hooli",
    "Pied Piper",
    "Soylent Foods",
    "Vandelay Imports",
]
FIRST = "John Maria Wei Aisha Carlos Olivia Ravi Sofia Tom Yuki Ahmed Elena Lars Nina Omar".split()
LAST = (
    "Reed Garcia Chen Khan Silva Brown Patel Rossi Becker Sato Haddad Novak Berg Ivanova Ali"
).split()
DEAL_TITLES = [
    "upgrade",
    "renewal",
    "pilot",
    "expansion",
    "onboarding",
    "annual licence",
    "support plan",
    "migration",
]
ACTIVITY_TYPES = ["call", "email", "meeting", "message", "task", "note", "demo", "physical_visit"]
DISCOVERY_STEPS = [
    ("call", "Discovery call"),
    ("demo", "Product demo"),
    ("email", "Send proposal"),
    ("task", "Internal review"),
]


class Builder:
    """Collects rows and writes them with bulk inserts."""

    def __init__(self, now):
        self.now = now
        self.rows = {model: [] for model in MODELS}

    def add(self, model, **fields):
        fields.setdefault("id", new_id())
        self.rows[model].append(fields)
        return fields["id"]

    def flush(self):
        for model in MODELS:
            rows = self.rows[model]
            # insert_many takes its columns from the first row: give every row all keys.
            keys = set().union(*rows) if rows else set()
            for row in rows:
                for key in keys - row.keys():
                    default = model._meta.fields[key].default
                    row[key] = default() if callable(default) else default
            for start in range(0, len(rows), 500):
                model.insert_many(rows[start : start + 500]).execute()


def _ago(now, **delta):
    return now - dt.timedelta(**delta)


def _pipeline(build, org, name, order, stages):
    pipeline = build.add(
        Pipeline, organization=org, name=name, order_index=order, created_at=build.now
    )
    ids = {}
    for index, (stage_name, probability, color, kind) in enumerate(stages, start=1):
        ids[stage_name] = build.add(
            Stage,
            organization=org,
            pipeline=pipeline,
            name=stage_name,
            order_index=index,
            color=color,
            probability=probability,
            kind=kind,
        )
    return pipeline, ids


def _contact(build, org, owner, company, first, last, index, domain):
    email = f"{first.lower()}.{last.lower()}@{domain}"
    if first == "John" and last == "Reed":
        email = "j@techcorp.com"
    return build.add(
        Contact,
        organization=org,
        owner=owner,
        company=company,
        first_name=first,
        last_name=last,
        sort_first=fold(first),
        sort_last=fold(last),
        email=email,
        email_key=fold(email),
        phone=f"+1 415 555 {index:04d}",
        job_title=random.choice(["VP Eng", "CTO", "Head of Sales", "Buyer", "COO", None]),
        city=random.choice(["San Francisco", "Austin", "Boston", None]),
        country="USA",
        created_at=_ago(build.now, days=60 - index),
        updated_at=_ago(build.now, days=30 - index % 30),
    )


def _deal(build, org, **fields):
    stamp = fields.pop("updated", build.now)
    fields.setdefault("currency", "USD")
    fields.setdefault("visibility", "organization")
    fields.setdefault("temperature", "cold")
    fields.setdefault("status", "open")
    fields["title_key"] = fold(fields["title"])
    return build.add(
        Deal,
        organization=org,
        created_at=stamp - dt.timedelta(days=20),
        updated_at=stamp,
        **fields,
    )


def _activity(build, org, **fields):
    due = fields.get("due_date")
    fields["due_sort"] = Activity.UNDATED if due is None else Activity.due_date.db_value(due)
    fields.setdefault("created_at", _ago(build.now, days=3))
    fields.setdefault("updated_at", fields["created_at"])
    return build.add(Activity, organization=org, **fields)


def _template(build, org, name, description, steps, author):
    template = build.add(
        ActivityTemplate,
        organization=org,
        name=name,
        description=description,
        created_by=author,
        created_at=build.now,
        updated_at=build.now,
    )
    for index, (kind, title) in enumerate(steps, start=1):
        build.add(
            TemplateStep,
            organization=org,
            template=template,
            order_index=index,
            type=kind,
            title=title,
        )
    return template


def load_demo(now=None, bcrypt_rounds=12):
    """Insert the demo organizations into the initialised, empty database."""
    now = now or utcnow()
    random.seed(20260512)
    build = Builder(now)
    # One hash for every demo account: they share the one documented password.
    hashed = hash_password(DEMO_PASSWORD, bcrypt_rounds)
    users = {
        email.split("@")[0]: build.add(
            User, email=email, full_name=name, password_hash=hashed, created_at=now
        )
        for email, name in PEOPLE
    }
    acme = build.add(
        Organization, name="Acme Sales", currency="USD", timezone="UTC", created_at=now
    )
    labs = build.add(Organization, name="Acme Labs", currency="USD", timezone="UTC", created_at=now)
    globex = build.add(
        Organization, name="Globex", currency="USD", timezone="America/New_York", created_at=now
    )
    northwind = build.add(Partner, organization=acme, name="Northwind Partners")
    build.add(Partner, organization=globex, name="Cypress Creek")
    joined = _ago(now, days=400)
    for order, (name, role) in enumerate(
        [("jane", "admin"), ("sam", "member"), ("kim", "member"), ("lee", "member")]
    ):
        build.add(
            Membership,
            organization=acme,
            user=users[name],
            role=role,
            joined_at=joined + dt.timedelta(days=order),
        )
    build.add(
        Membership,
        organization=acme,
        user=users["pat"],
        role="member",
        can_view_all_org_data=False,
        partner=northwind,
        joined_at=joined + dt.timedelta(days=5),
    )
    build.add(
        Membership,
        organization=labs,
        user=users["jane"],
        role="member",
        joined_at=_ago(now, days=300),
    )
    build.add(Membership, organization=globex, user=users["hank"], role="admin", joined_at=joined)
    east = build.add(Team, organization=acme, name="East")
    west = build.add(Team, organization=acme, name="West")
    for team, name in ((east, "sam"), (east, "kim"), (west, "lee")):
        build.add(TeamMember, organization=acme, team=team, user=users[name])

    _seed_acme(build, acme, users, northwind)
    _seed_labs(build, labs, users)
    _seed_globex(build, globex, users)
    with db.atomic():
        build.flush()
    return build


def _acme_contacts(build, acme, users, companies):
    owners = [users[n] for n in ("jane", "sam", "kim", "lee")]
    contacts = []
    for index in range(30):
        first, last = FIRST[index % 15], LAST[(index * 7 + index // 15) % 15]
        if index == 0:
            first, last = "John", "Reed"
        company = companies[index % len(companies)]
        domain = ACME_COMPANIES[index % len(ACME_COMPANIES)].lower().replace(" ", "") + ".com"
        contacts.append(
            _contact(build, acme, owners[index % 4], company, first, last, index, domain)
        )
    return contacts


def _seed_acme(build, acme, users, northwind):
    now = build.now
    default, stages = _pipeline(build, acme, "Default Pipeline", 1, DEFAULT_STAGES)
    enterprise, ent_stages = _pipeline(build, acme, "Enterprise", 2, ENTERPRISE_STAGES)
    sources = [
        build.add(LeadSource, organization=acme, name="Inbound — website"),
        build.add(LeadSource, organization=acme, name="Referral"),
    ]
    companies = [
        build.add(
            Company,
            organization=acme,
            name=name,
            name_key=fold(name),
            created_at=now,
            updated_at=now,
        )
        for name in ACME_COMPANIES
    ]
    contacts = _acme_contacts(build, acme, users, companies)

    deals = []

    def deal(title, stage, owner, pipeline=default, stage_map=stages, **extra):
        index = len(deals)
        fields = {
            "title": title,
            "pipeline": pipeline,
            "stage": stage_map[stage],
            "owner": users[owner],
            "contact": extra.pop("contact", contacts[index % 30]),
            "company": extra.pop("company", companies[index % len(companies)]),
            "value": extra.pop("value", float(5000 + (index * 3719) % 60000)),
            "probability": extra.pop(
                "probability", dict((s[0], s[1]) for s in DEFAULT_STAGES + ENTERPRISE_STAGES)[stage]
            ),
            "expected_close_date": day_start(
                local_day(now, "UTC") + dt.timedelta(days=10 + index), "UTC"
            ),
            "temperature": "hot" if index % 3 == 0 else "cold",
            "source": sources[index % 2] if index % 4 == 0 else None,
            "updated": _ago(now, hours=index * 5 + 1),
        }
        fields.update(extra)
        deals.append(_deal(build, acme, **fields))
        return deals[-1]

    techcorp = deal(
        "TechCorp upgrade",
        "Qualified",
        "jane",
        contact=contacts[0],
        company=companies[0],
        value=12000.0,
        probability=30,
        temperature="hot",
    )
    sam_private = deal(
        "Stark private pilot", "Demo", "sam", visibility="private", company=companies[3]
    )
    sam_team = deal("East region expansion", "Proposal", "sam", visibility="team")
    deal("Kim team renewal", "Qualified", "kim", visibility="team")
    deal("Lee private migration", "Demo", "lee", visibility="private")
    deal(
        "Northwind referral: Hooli onboarding",
        "Qualified",
        "jane",
        partner=northwind,
        company=companies[5],
    )
    deal(
        "Northwind referral: Initech support plan",
        "Demo",
        "sam",
        partner=northwind,
        company=companies[1],
    )
    deal("Northwind referral: Pied Piper pilot", "Proposal", "kim", partner=northwind)
    deal("Northwind private referral", "Qualified", "lee", partner=northwind, visibility="private")
    deal("Pat's Soylent renewal", "Qualified", "pat", partner=northwind, company=companies[7])
    deal("Pat's Vandelay expansion", "Demo", "pat", partner=northwind, company=companies[8])
    for index in range(29):
        owner = ["jane", "sam", "kim", "lee"][index % 4]
        company_name = ACME_COMPANIES[index % len(ACME_COMPANIES)]
        title = f"{company_name} {DEAL_TITLES[(index + 1) % len(DEAL_TITLES)]}"
        if index < 4:
            deal(
                title,
                "Won",
                owner,
                status="won",
                closed_at=_ago(now, days=index + 1),
                reopen_stage=stages["Proposal"],
            )
        elif index < 7:
            deal(
                title,
                "Lost",
                owner,
                status="lost",
                lost_reason="Went with a competitor",
                closed_at=_ago(now, days=index),
                reopen_stage=stages["Demo"],
            )
        elif index < 15:
            deal(
                title,
                ["Discovery", "Evaluation", "Negotiation"][index % 3],
                owner,
                pipeline=enterprise,
                stage_map=ent_stages,
            )
        else:
            deal(title, ["Qualified", "Demo", "Proposal"][index % 3], owner)
    for deal_id in deals[:12]:
        build.add(
            DealStageHistory,
            organization=acme,
            deal=deal_id,
            from_stage=None,
            to_stage=[r for r in build.rows[Deal] if r["id"] == deal_id][0]["stage"],
            changed_by=users["jane"],
            changed_at=_ago(now, days=20),
        )

    today = day_start(local_day(now, "UTC"), "UTC")
    plan = [
        (
            "call",
            "Follow-up call with John",
            techcorp,
            contacts[0],
            "jane",
            now + dt.timedelta(days=1),
            None,
        ),
        ("email", "Send pricing to Stark", sam_private, None, "sam", _ago(now, days=2), None),
        (
            "meeting",
            "East expansion workshop",
            sam_team,
            None,
            "sam",
            today + dt.timedelta(hours=12),
            None,
        ),
        (
            "message",
            "Ping Initech on WhatsApp",
            deals[6],
            None,
            "sam",
            now + dt.timedelta(days=3),
            None,
        ),
        ("task", "Prepare Hooli contract", deals[5], None, "jane", _ago(now, days=1), None),
        ("note", "Notes from Pied Piper call", deals[7], None, "kim", None, None),
        (
            "demo",
            "Vandelay product demo",
            deals[10],
            None,
            "pat",
            today + dt.timedelta(hours=12),
            None,
        ),
        (
            "physical_visit",
            "Visit Soylent HQ",
            deals[9],
            None,
            "pat",
            now + dt.timedelta(days=7),
            None,
        ),
        (
            "call",
            "Intro call with Maria",
            None,
            contacts[1],
            "jane",
            _ago(now, days=5),
            _ago(now, days=5),
        ),
        ("task", "Update CRM hygiene", None, None, "lee", None, None),
        ("email", "Lee private follow-up", deals[4], None, "lee", now + dt.timedelta(days=2), None),
        (
            "call",
            "Check-in with Kim's client",
            deals[3],
            None,
            "kim",
            _ago(now, days=3),
            _ago(now, days=2),
        ),
    ]
    for index, deal_id in enumerate(deals[11:30]):
        kind = ACTIVITY_TYPES[index % len(ACTIVITY_TYPES)]
        due = now + dt.timedelta(days=(index % 9) - 4, hours=index)
        done = _ago(now, days=index % 6) if index % 3 == 0 else None
        plan.append(
            (
                kind,
                f"{kind.replace('_', ' ').title()} #{index + 1}",
                deal_id,
                None,
                ["jane", "sam", "kim", "lee"][index % 4],
                due,
                done,
            )
        )
    for kind, title, deal_id, contact, owner, due, done in plan:
        _activity(
            build,
            acme,
            type=kind,
            title=title,
            deal=deal_id,
            contact=contact,
            assignee=users[owner],
            created_by=users[owner],
            due_date=due,
            completed_at=done,
            duration_minutes=30 if kind in ("call", "meeting") else None,
        )

    template = _template(
        build,
        acme,
        "Enterprise discovery",
        "Standard 4-step discovery sequence",
        DISCOVERY_STEPS,
        users["jane"],
    )
    _apply_template(build, acme, techcorp, template, users["jane"], contacts[0])
    for row in build.rows[Deal]:
        if row["id"] == techcorp:
            row["template"] = template


def _apply_template(build, org, deal_id, template, actor, contact):
    """TechCorp upgrade on Enterprise discovery: step 1 done, step 2 scheduled."""
    now = build.now
    first = _activity(
        build,
        org,
        type="call",
        title="Discovery call",
        deal=deal_id,
        contact=contact,
        assignee=actor,
        created_by=actor,
        due_date=_ago(now, days=2),
        completed_at=_ago(now, days=2),
    )
    second = _activity(
        build,
        org,
        type="demo",
        title="Product demo",
        deal=deal_id,
        contact=contact,
        assignee=actor,
        created_by=actor,
        due_date=now + dt.timedelta(days=2),
    )
    for index, (kind, title) in enumerate(DISCOVERY_STEPS, start=1):
        status, activity = {1: ("completed", first), 2: ("scheduled", second)}.get(
            index, ("pending", None)
        )
        build.add(
            DealTemplateStep,
            organization=org,
            deal=deal_id,
            template=template,
            step_index=index,
            type=kind,
            title=title,
            status=status,
            activity=activity,
        )


def _seed_labs(build, labs, users):
    _pipeline(build, labs, "Labs Pipeline", 1, DEFAULT_STAGES)
    build.add(
        Company,
        organization=labs,
        name="Black Mesa",
        name_key=fold("Black Mesa"),
        created_at=build.now,
        updated_at=build.now,
    )


def _seed_globex(build, globex, users):
    now = build.now
    hank = users["hank"]
    pipeline, stages = _pipeline(build, globex, "Globex Pipeline", 1, DEFAULT_STAGES)
    companies = [
        build.add(
            Company,
            organization=globex,
            name=name,
            name_key=fold(name),
            created_at=now,
            updated_at=now,
        )
        for name in ("Globex Chemicals", "Cypress Creek Holdings", "Hammock District")
    ]
    contacts = [
        _contact(build, globex, hank, companies[i % 3], first, last, 100 + i, "globex.example")
        for i, (first, last) in enumerate(
            [("Frank", "Grimes"), ("Mindy", "Simmons"), ("Lenny", "Leonard"), ("Carl", "Carlson")]
        )
    ]
    deals = []
    for index, (title, stage) in enumerate(
        [
            ("Doomsday device", "Qualified"),
            ("Volcano lair lease", "Demo"),
            ("Hammock supply", "Proposal"),
            ("Monorail", "Won"),
        ]
    ):
        deals.append(
            _deal(
                build,
                globex,
                title=title,
                pipeline=pipeline,
                stage=stages[stage],
                owner=hank,
                contact=contacts[index],
                company=companies[index % 3],
                value=float(10000 * (index + 1)),
                probability=50,
                status="won" if stage == "Won" else "open",
                closed_at=now if stage == "Won" else None,
                updated=_ago(now, hours=index),
            )
        )
    for index, deal_id in enumerate(deals):
        _activity(
            build,
            globex,
            type="call",
            title=f"Globex call {index + 1}",
            deal=deal_id,
            assignee=hank,
            created_by=hank,
            due_date=now + dt.timedelta(days=index - 1),
        )
    _template(
        build,
        globex,
        "Globex onboarding",
        "Two-step welcome",
        [("call", "Welcome call"), ("email", "Send handbook")],
        hank,
    )


def main(argv=None):
    """Command line: load the demo data into a database."""
    parser = argparse.ArgumentParser(prog="seed.py", description=__doc__)
    parser.add_argument("--db", default=os.environ.get("UPSTREAM_DB", "upstream.db"))
    parser.add_argument("--reset", action="store_true", help="drop every table first")
    parser.add_argument(
        "--scale", type=int, metavar="N", help="load Scale Co with N deals instead of the demo"
    )
    args = parser.parse_args(argv)
    rounds = int(os.environ.get("UPSTREAM_BCRYPT_ROUNDS", "12"))
    init_db(args.db)
    if args.reset:
        with db.connection_context():
            db.drop_tables(MODELS, safe=True)
    create_schema()
    if has_data():
        print(f"error: {args.db} already holds data; use --reset to replace it", file=sys.stderr)
        return 1
    if args.scale is not None:
        if args.scale < 1:
            print("error: --scale needs a positive number of deals", file=sys.stderr)
            return 2
        started = time.perf_counter()
        with db.connection_context():
            load_scale(args.scale, bcrypt_rounds=rounds, password=DEMO_PASSWORD)
        took = time.perf_counter() - started
        print(f"Loaded Scale Co ({args.scale} deals) into {args.db} in {took:.1f} s.")
        return 0
    with db.connection_context():
        load_demo(bcrypt_rounds=rounds)
    print(f"Loaded the demo organizations into {args.db}. Password: {DEMO_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
