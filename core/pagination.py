"""Keyset pagination (CONTRACT §7), shared by every list endpoint."""

from peewee import Field
from peewee import Tuple

from core.errors import invalid

DEFAULT_LIMIT = 25


class Order:
    """A list's sort order: columns ending with the id, all in one direction."""

    def __init__(self, *columns, descending=False):
        self.columns = columns
        self.descending = descending

    def order_by(self):
        """The ORDER BY terms."""
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, values):
        """Condition: rows strictly after the row whose sort key is `values`."""
        raw = [
            column.db_value(value) if isinstance(column, Field) else value
            for column, value in zip(self.columns, values, strict=True)
        ]
        keys = Tuple(*self.columns)
        return keys < Tuple(*raw) if self.descending else keys > Tuple(*raw)


def page(query, order, id_column, params, visible):
    """One page of `query`: (rows, next_cursor).

    `params` holds the validated `limit` and `cursor`; `visible` is the condition that
    says which records the caller may see, so a cursor naming any other is a 400.
    """
    limit = params.get("limit", DEFAULT_LIMIT)
    cursor = params.get("cursor")
    if cursor is not None:
        model = id_column.model
        key = model.select(*order.columns).where((id_column == cursor) & visible).tuples().first()
        if key is None:
            raise invalid("cursor", "Unknown cursor: no such record in this list")
        query = query.where(order.after(key))
    rows = list(query.order_by(*order.order_by()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_row_id(rows[-1]) if more else None)


def _row_id(row):
    return row["id"] if isinstance(row, dict) else row.id
