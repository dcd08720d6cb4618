"""JSON Schema validation: the only module that imports jsonschema and fastjsonschema.

jsonschema is the judge: every problem and its message comes from it. Once a run has
validated enough documents of a kind for compiling to pay (~0.04-0.3 s a schema),
fastjsonschema's compiled validator answers the happy path (~0.3 ms against ~3 ms a
document); a document it does not accept goes to jsonschema, so the compiled validator only
ever says "no problems", and only for schemas made of keywords both read alike."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from opsledger import timefmt, yamlerrors
from opsledger.loader import Document, field_name
from opsledger.problems import Problem

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

DOCUMENTS = ("release", "incident", "signoff", "policy")  # one schema each


# Imported on first use (~0.12 s): a run answered from the cache never validates.
@functools.cache
def _formats() -> Any:
    import jsonschema  # noqa: PLC0415

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(timefmt.is_time)
    checker.checks("date")(timefmt.is_date)
    checker.checks("email")(lambda value: not isinstance(value, str) or "@" in value)
    return checker


def _relevance(error: ValidationError) -> Any:
    from jsonschema.exceptions import relevance  # noqa: PLC0415

    return relevance(error)

# The keywords of draft-07 that draft 2020-12 reads alike (draft 2020-12 changed `items`
# only in its array form, refused below). A schema with any other keyword (say
# `unevaluatedProperties`, which fastjsonschema would ignore and so accept too much) is
# validated by jsonschema alone.
_COMPILABLE = frozenset({
    "$defs", "$id", "$ref", "$schema", "$comment", "additionalProperties", "allOf", "anyOf",
    "const", "contains", "default", "definitions", "description", "else", "enum", "examples",
    "exclusiveMaximum", "exclusiveMinimum", "format", "if", "items", "maxItems", "maxLength",
    "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum",
    "multipleOf", "not", "oneOf", "pattern", "patternProperties", "properties",
    "propertyNames", "readOnly", "required", "then", "title", "type", "uniqueItems",
    "writeOnly"})
# Subschemas are found under these; the values of the others are data, not schemas.
_NAMED_SUBSCHEMAS = frozenset({"$defs", "definitions", "properties", "patternProperties"})
_ANNOTATIONS = frozenset({"$comment", "default", "description", "examples", "readOnly",
                          "title", "writeOnly"})
_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples", "required", "type"})
_FAST_FORMATS: dict[str, Any] = {
    "date-time": timefmt.is_time, "date": timefmt.is_date,
    "email": lambda value: not isinstance(value, str) or "@" in value}
# Documents of one kind validated by jsonschema before the kind is compiled: compiling a
# schema costs about as much as validating 50 documents, so `check` and `show` never pay it.
COMPILE_AFTER = 50
# Compiled validators by schema text, for the run: audit loads a trust root again for each
# policy change in history, nearly always with the same schemas.
_COMPILED: dict[str, Any] = {}


class BadSchema(ValueError):
    """A schema file that is not JSON or not a JSON Schema (a trust-root change can do that)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"schemas/{kind}.schema.json is not a valid JSON Schema: {reason}")
        self.kind = kind


class Schemas:
    """The four schemas, compiled once; read from a tree so a PR cannot swap them."""

    def __init__(self, sources: dict[str, bytes], *, strict: bool = False,
                 merged: bool | None = None) -> None:
        """`strict` also checks each schema against its meta-schema (~0.4 s for the four):
        worth it only for schemas a change brings, which must not break every later check.
        `merged`: the schemas are on the branch already (by default, unless strict), so the
        compiled validator may answer for them; fastjsonschema writes Python source from a
        schema and runs it, so a schema still under review never reaches it."""
        import jsonschema  # noqa: PLC0415 -- see _formats

        self._validators: dict[str, Any] = {}
        self._schemas: dict[str, str | None] = {}  # what the compiled validator may answer for
        trusted = not strict if merged is None else merged
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
            self._validators[kind] = cls(schema, format_checker=_formats())
            self._schemas[kind] = json.dumps(schema, sort_keys=True) \
                if trusted and compilable(schema) else None
        self._slow_count = dict.fromkeys(DOCUMENTS, 0)

    def accepts(self, kind: str, data: Any) -> bool | None:
        """The compiled validator's answer: True when it accepts, None when it cannot say
        (not compiled yet, or it refuses: only jsonschema names a problem)."""
        source = self._schemas[kind]
        if source is None:
            return None
        fast = _COMPILED.get(source)
        if fast is None:
            self._slow_count[kind] += 1
            if self._slow_count[kind] <= COMPILE_AFTER:
                return None
            fast = _COMPILED[source] = _compile(json.loads(source))
        if fast is False:
            return None
        try:
            fast(data)
        except (_fastjsonschema().JsonSchemaException, TypeError, ValueError, RecursionError):
            return None  # jsonschema answers (and names the problem)
        return True

    def validate(self, kind: str, doc: Document) -> Iterator[Problem]:
        if self.accepts(kind, doc.data):
            return
        yield from self.explain(kind, doc)

    def explain(self, kind: str, doc: Document) -> Iterator[Problem]:
        """jsonschema's verdict, and the messages of every problem it finds."""
        errors = sorted(self._validators[kind].iter_errors(doc.data), key=_relevance)
        seen = set()
        for error in map(_deepest, errors):
            # A status rule often repeats the base rule (e.g. a narrower enum): say it once.
            where = (tuple(error.absolute_path), error.validator)
            if where not in seen:
                seen.add(where)
                yield _problem(doc, error)


def compilable(schema: Any) -> bool:
    """Whether fastjsonschema reads this schema exactly as jsonschema does: only the keywords
    both share, and only local `$ref`s without other keywords beside them."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= _COMPILABLE:
        return False
    if isinstance(schema.get("items"), list):
        return False  # draft 2020-12 spells tuples prefixItems; jsonschema refuses this form
    if "$ref" in schema and (not str(schema["$ref"]).startswith("#") or
                             set(schema) - _ANNOTATIONS - {"$ref"}):
        return False  # a remote one would be fetched; draft-07 ignores a $ref's siblings
    children = _subschemas(schema)
    return children is not None and all(map(compilable, children))


def _subschemas(schema: dict[str, Any]) -> list[Any] | None:
    """The schemas inside a schema (None if one is not where a schema must be)."""
    found: list[Any] = []
    for key, value in schema.items():
        if key in _DATA_KEYWORDS or (key.startswith("$") and key != "$defs"):
            continue
        if key in _NAMED_SUBSCHEMAS:
            if not isinstance(value, dict):
                return None
            found += value.values()
        elif isinstance(value, list):
            found += value
        elif isinstance(value, dict | bool):
            found.append(value)
    return found


def _compile(schema: dict[str, Any]) -> Any:
    """The compiled validator, or False if fastjsonschema cannot compile the schema."""
    fastjsonschema = _fastjsonschema()
    try:
        # use_default=False: filling in defaults would change the document being judged.
        return fastjsonschema.compile(schema, formats=_FAST_FORMATS, use_default=False)
    except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError, KeyError,
            RecursionError):
        return False


def _fastjsonschema() -> Any:
    import fastjsonschema  # noqa: PLC0415 -- only where compiling pays

    return fastjsonschema


def _deepest(error: ValidationError) -> ValidationError:
    # anyOf/oneOf failures carry the useful error in their context (jsonschema's best_match).
    if error.context:
        return _deepest(min(error.context, key=_relevance))
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
    if error.validator == "not" and isinstance(error.schema, dict) and \
            error.schema.get("description"):  # a reserved value: the schema says why
        return f"{error.instance!r} cannot be used here: {error.schema['description']}"
    return error.message
