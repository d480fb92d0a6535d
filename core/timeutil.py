"""Time: the injectable clock, parsing of API inputs and the one output format."""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

UTC = dt.UTC
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$"
)


def utcnow():
    """The real clock: an aware UTC datetime."""
    return dt.datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to; tests and the testing kit use it."""

    def __init__(self, start=None):
        self._now = start or dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self._now

    def advance(self, seconds=0, **kwargs):
        """Move the clock forward by `seconds` (or any timedelta keyword)."""
        with self._lock:
            self._now += dt.timedelta(seconds=seconds, **kwargs)
            return self._now

    def set(self, when):
        """Jump to an aware datetime."""
        with self._lock:
            self._now = when


def is_plain_date(text):
    """True when `text` is a calendar date without a time."""
    return isinstance(text, str) and bool(_DATE.match(text))


def parse_datetime(text):
    """Parse an RFC 3339 date-time (Z or offset) or a plain date (midnight UTC).

    Returns an aware UTC datetime, or None when the text is not one of those forms.
    """
    if not isinstance(text, str):
        return None
    try:
        if _DATE.match(text):
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
        if not _DATETIME.match(text):
            return None
        value = text.replace("z", "Z").replace("t", "T")
        value = re.sub(r"(\.\d{6})\d+", r"\1", value)
        parsed = dt.datetime.fromisoformat(value.replace(" ", "T"))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_day(text):
    """A plain date string as a `date`, or None."""
    if not is_plain_date(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def iso(value):
    """Format a datetime as the API does: UTC with milliseconds and `Z`."""
    if value is None:
        return None
    v = value.astimezone(UTC)
    # Formatted by hand: strftime does not zero-pad years before 1000 on every platform.
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond // 1000:03d}Z"
    )


def to_ms(value):
    """An aware datetime as integer milliseconds since the epoch."""
    delta = value - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def from_ms(value):
    """Integer milliseconds since the epoch as an aware UTC datetime."""
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=value)


def zone(name):
    """The ZoneInfo for an organization's timezone name; UTC when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_start(day, tzname):
    """Midnight at the start of `day` in the timezone, as aware UTC."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=zone(tzname))
    return local.astimezone(UTC)


def local_day(moment, tzname):
    """The calendar date of `moment` in the timezone."""
    return moment.astimezone(zone(tzname)).date()
