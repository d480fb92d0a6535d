"""Computed activity status (CONTRACT §10) and the deal-card summaries built on it."""

import datetime as dt

from peewee import Case
from peewee import fn

from core.timeutil import day_start
from core.timeutil import from_ms
from core.timeutil import local_day
from models import Activity

STATUSES = ("open", "completed", "overdue", "due_today", "upcoming")


class Today:
    """Start of today and of tomorrow (aware UTC) in an organization's timezone."""

    def __init__(self, now, tzname):
        day = local_day(now, tzname)
        self.now = now
        self.start = day_start(day, tzname)
        self.end = day_start(day + dt.timedelta(days=1), tzname)


def status_of(completed_at, due_date, today):
    """The status field of one activity."""
    if completed_at is not None:
        return "completed"
    if due_date is None:
        return "open"
    if due_date < today.start:
        return "overdue"
    if due_date < today.end:
        return "due_today"
    return "upcoming"


def condition(status, today):
    """The SQL condition on Activity matching exactly the activities with that status."""
    done = Activity.completed_at.is_null(False)
    if status == "completed":
        return done
    pending = Activity.completed_at.is_null()
    if status == "open":
        return pending
    if status == "overdue":
        return pending & (Activity.due_date < today.start)
    if status == "due_today":
        return pending & (Activity.due_date >= today.start) & (Activity.due_date < today.end)
    if status == "upcoming":
        return pending & (Activity.due_date >= today.end)
    raise ValueError(status)


def card_status(next_due, today):
    """A deal card's activityStatus after its most urgent open dated activity."""
    if next_due is None:
        return "none"
    return status_of(None, next_due, today)


def _time(value):
    return from_ms(value) if isinstance(value, int) else value


def summaries(deal_ids, today):
    """Per deal id: (next open due date, last completion, activities created in 30 days).

    One aggregate query, however many deals; `deal_ids` is a list or a subquery of ids.
    """
    if isinstance(deal_ids, list | tuple) and not deal_ids:
        return {}
    open_dated = Activity.completed_at.is_null() & Activity.due_date.is_null(False)
    recent_since = today.now - dt.timedelta(days=30)
    rows = (
        Activity.select(
            Activity.deal,
            fn.MIN(Case(None, [(open_dated, Activity.due_date)], None)),
            fn.MAX(Activity.completed_at),
            fn.SUM(Case(None, [(Activity.created_at >= recent_since, 1)], 0)),
        )
        .where(Activity.deal.in_(deal_ids) & (Activity.is_deleted == False))
        .group_by(Activity.deal)
        .tuples()
    )
    return {deal: (_time(due), _time(done), recent or 0) for deal, due, done, recent in rows}


def card_fields(summary, today):
    """`activityStatus`, `daysSinceLastActivity` and `recentActivityCount` of one deal."""
    next_due, last_done, recent = summary or (None, None, 0)
    days = None
    if last_done is not None:
        days = max(0, (today.now - last_done).days)
    return {
        "activityStatus": card_status(next_due, today),
        "daysSinceLastActivity": days,
        "recentActivityCount": recent,
    }
