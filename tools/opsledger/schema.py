"""JSON Schema validation: the only module that imports jsonschema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, relevance

from opsledger import timefmt, yamlerrors
from opsledger.loader import Document, field_name
from opsledger.problems import Problem

DOCUMENTS = ("release", "incident", "signoff", "policy")  # one schema each

_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date-time")(timefmt.is_time)
_FORMATS.checks("date")(timefmt.is_date)
_FORMATS.checks("email")(lambda value: not isinstance(value, str) or "@" in value)


class BadSchema(ValueError):
    """A schema file that is not JSON or not a JSON Schema (a trust-root change can do that)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"schemas/{kind}.schema.json is not a valid JSON Schema: {reason}")
        self.kind = kind


class Schemas:
    """The four schemas, compiled once; read from a tree so a PR cannot swap them."""

    def __init__(self, sources: dict[str, bytes], *, strict: bool = False) -> None:
        """`strict` also checks each schema against its meta-schema (~0.4 s for the four):
        worth it only for schemas a change brings, which must not break every later check."""
        self._validators: dict[str, Any] = {}
        for kind in DOCUMENTS:
            try:
                schema = json.loads(sources[kind])
                cls = jsonschema.validators.validator_for(schema)
                if strict:
                    cls.check_schema(schema)
            except (ValueError, TypeError, AttributeError) as exc:
                raise BadSchema(kind, str(exc).splitlines()[0] if str(exc) else
                                type(exc).__name__) from None
            except jsonschema.SchemaError as exc:
                raise BadSchema(kind, exc.message) from None
            self._validators[kind] = cls(schema, format_checker=_FORMATS)

    def validate(self, kind: str, doc: Document) -> Iterator[Problem]:
        errors = sorted(self._validators[kind].iter_errors(doc.data), key=relevance)
        seen = set()
        for error in map(_deepest, errors):
            # A status rule often repeats the base rule (e.g. a narrower enum): say it once.
            where = (tuple(error.absolute_path), error.validator)
            if where not in seen:
                seen.add(where)
                yield _problem(doc, error)


def _deepest(error: ValidationError) -> ValidationError:
    # anyOf/oneOf failures carry the useful error in their context (jsonschema's best_match).
    if error.context:
        return _deepest(min(error.context, key=relevance))
    return error


def _problem(doc: Document, error: ValidationError) -> Problem:
    key = tuple(error.absolute_path)
    field = field_name(key)
    via_status = any(part == "then" for part in error.absolute_schema_path)
    if error.validator == "required" and via_status:
        missing = _missing_name(error)
        where = f"{field}.{missing}" if key else missing
        status = doc.data.get("status")
        return doc.problem(key, "OL103", f"status {status!r} requires field {where}")
    if error.validator == "format" and error.validator_value in ("date-time", "date"):
        return doc.problem(key, "OL102", f"{field}: {_time_message(error)}")
    return doc.problem(key, "OL101", f"{field}: {_message(doc, key, error)}")


def _missing_name(error: ValidationError) -> str:
    return error.message.split("'")[1] if "'" in error.message else error.message


def _time_message(error: ValidationError) -> str:
    if error.validator_value == "date":
        return (f"{error.instance!r} is not a real date in the form YYYY-MM-DD within the "
                f"years {timefmt.FIRST_YEAR}..{timefmt.LAST_YEAR}")
    try:
        timefmt.parse(str(error.instance))
    except ValueError as exc:
        return str(exc)
    return f"{error.instance!r} must be a quoted or plain string time"


def _message(doc: Document, key: tuple[Any, ...], error: ValidationError) -> str:
    written = doc.plain.get(key)
    if error.validator == "type" and isinstance(error.instance, bool) and written:
        return (f"the unquoted word {written!r} is read as a boolean; write '{written}' "
                f"in quotes if you mean text ({error.message})")
    if error.validator == "type" and isinstance(error.instance, int | float) and written:
        return f"{written} is read as a number; quote it ('{written}') if you mean text"
    if error.validator == "type" and error.validator_value == "string":
        hint = yamlerrors.became_mapping(error.instance)
        if hint:
            return hint
    if error.validator == "required":
        return f"missing required field {_missing_name(error)}"
    if error.validator == "additionalProperties":
        return f"{error.message}; check the spelling against the schema"
    if error.validator == "enum":
        allowed: Any = error.validator_value
        choices = ", ".join(str(v) for v in allowed)
        return f"{error.instance!r} is not one of: {choices}"
    return error.message
