"""Writing activity rows: the one place that keeps `due_sort` in step with `due_date`."""

from models import Activity
from models import TimeField


def due_sort(due_date):
    """Sort key of a due date: undated activities sort after every dated one."""
    return Activity.UNDATED if due_date is None else TimeField().db_value(due_date)


def create(now, **fields):
    """Insert an activity; `fields` are model fields (due_date may be None)."""
    fields["due_sort"] = due_sort(fields.get("due_date"))
    return Activity.create(created_at=now, updated_at=now, **fields)


def set_due(activity, due_date):
    """Change an activity's due date (and its sort key)."""
    activity.due_date = due_date
    activity.due_sort = due_sort(due_date)
