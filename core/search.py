"""Free-text search: case-insensitive substrings, `%` and `_` literal, every word must match."""

import functools
import operator

from peewee import SQL
from peewee import NodeList
from peewee import Value


def fold(text):
    """The case-folded form stored in `*_key` / `sort_*` columns and searched."""
    return (text or "").casefold()


def _escape(word):
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(field, word):
    pattern = "%" + _escape(word) + "%"
    return NodeList((field, SQL("LIKE"), Value(pattern, converter=False), SQL("ESCAPE '\\'")))


def matches(text, fields):
    """Condition: every word of `text` is a substring of one of the case-folded `fields`."""
    condition = None
    for word in fold(text).split():
        any_field = functools.reduce(operator.or_, [_like(f, word) for f in fields])
        condition = any_field if condition is None else condition & any_field
    return condition
