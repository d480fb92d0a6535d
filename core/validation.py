"""Request validation against the JSON Schema files in `schema/`, loaded once."""

import functools
import json
import math
import pathlib
import re
import uuid

from jsonschema import Draft202012Validator
from jsonschema import FormatChecker

from core.errors import invalid
from core.errors import validation_error
from core.timeutil import parse_datetime

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent.parent / "schema"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

FORMATS = FormatChecker(formats=())


@FORMATS.checks("email")
def _is_email(value):
    return not isinstance(value, str) or bool(_EMAIL.match(value))


@FORMATS.checks("date-time")
def _is_datetime(value):
    return not isinstance(value, str) or parse_datetime(value) is not None


@FORMATS.checks("uuid")
def _is_uuid(value):
    return not isinstance(value, str) or bool(_UUID.match(value))


def is_uuid(value):
    """True for a canonical (dashed) UUID string."""
    return isinstance(value, str) and bool(_UUID.match(value))


def norm_id(value):
    """Canonical lower-case form of a UUID string (None stays None)."""
    return None if value is None else str(uuid.UUID(value))


@functools.cache
def load(name):
    """The parsed schema document `schema/<name>.json`."""
    with open(SCHEMA_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def _validator(name):
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMATS)


def _describe_type(expected):
    names = expected if isinstance(expected, list) else [expected]
    return "Expected " + " or ".join(names)


_FORMAT_MESSAGES = {
    "email": "Invalid email",
    "date-time": "Invalid date-time: expected ISO 8601 (RFC 3339 or YYYY-MM-DD)",
    "uuid": "Invalid UUID",
}
_MESSAGES = {
    "type": _describe_type,
    "minLength": lambda v: "Must not be empty" if v == 1 else f"Must be at least {v} characters",
    "maxLength": lambda v: f"Must be at most {v} characters",
    "minimum": lambda v: f"Must be greater than or equal to {v}",
    "maximum": lambda v: f"Must be less than or equal to {v}",
    "exclusiveMinimum": lambda v: f"Must be greater than {v}",
    "enum": lambda v: "Must be one of: " + ", ".join("null" if x is None else str(x) for x in v),
    "format": lambda v: _FORMAT_MESSAGES.get(v, "Invalid format"),
    "minItems": lambda v: f"Must have at least {v} items",
    "maxItems": lambda v: f"Must have at most {v} items",
    "pattern": lambda v: "Invalid format",
}


def _message(error):
    """A short, human message for one schema failure (`x-error` overrides formats)."""
    custom = error.schema.get("x-error") if isinstance(error.schema, dict) else None
    if custom and error.validator in ("pattern", "format"):
        return custom
    describe = _MESSAGES.get(error.validator)
    return describe(error.validator_value) if describe else error.message


def _path(parts):
    return ".".join(str(part) for part in parts)


def _details(errors):
    details = []
    seen = set()
    for error in errors:
        base = list(error.absolute_path)
        if error.validator == "required":
            missing = [k for k in error.validator_value if k not in error.instance]
            entries = [(_path([*base, k]), "Required") for k in missing]
        else:
            entries = [(_path(base), _message(error))]
        for entry in entries:
            if entry not in seen:
                seen.add(entry)
                details.append({"path": entry[0], "message": entry[1]})
    return details


def _normalize_ids(schema, value):
    """Lower-case every UUID the schema declares, so ids compare equal in SQL."""
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                value[key] = _normalize_ids(sub, value[key])
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_normalize_ids(schema["items"], item) for item in value]
    if isinstance(value, str) and _declares_uuid(schema) and is_uuid(value):
        return norm_id(value)
    return value


def _declares_uuid(schema):
    if schema.get("format") == "uuid":
        return True
    return any(_declares_uuid(sub) for sub in schema.get("anyOf", []) + schema.get("oneOf", []))


def check(name, instance):
    """Validate `instance` against schema `name`; raise 400 listing every failing field."""
    errors = sorted(
        _validator(name).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if errors:
        raise validation_error(_details(errors))
    return _normalize_ids(load(name), instance)


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def parse_json(raw):
    """Decode a request body that must be a JSON object."""
    if not raw:
        raise invalid("", "Request body must be a JSON object")
    try:
        body = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
        # Lone surrogates decode but cannot be stored as UTF-8: refuse them here.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        raise invalid("", "Malformed JSON") from None
    if not isinstance(body, dict):
        raise invalid("", "Request body must be a JSON object")
    return body


def _coerce(schema, raw):
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds and re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
        return int(raw)
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def check_query(name, params):
    """Validate a query string (a dict of str) against schema `name`, coercing scalars."""
    schema = load(name)
    values = {}
    for key, raw in params.items():
        sub = schema.get("properties", {}).get(key)
        if sub is None:
            continue  # unknown parameters are ignored, like unknown body fields
        if isinstance(raw, list):
            raise invalid(key, "Must be given once")
        values[key] = _coerce(sub, raw)
    return check(name, values)
