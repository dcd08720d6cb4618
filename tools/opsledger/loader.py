"""Strict YAML: one mapping, plain data, every node's line kept.

Built on PyYAML's event stream (libyaml where present) rather than its constructor, so
that aliases are refused before they can expand, timestamps stay strings and duplicate
keys are caught instead of silently keeping the last one.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

from opsledger import yamlerrors
from opsledger.problems import Problem

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
# The largest integer a JSON number (an IEEE double, as RFC 8785 digests read it) carries
# exactly; beyond it two different values would sign alike.
MAX_INT = 2**53 - 1
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = tuple[str | int, ...]

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Overrides and isolates reorder what a reviewer sees (Trojan Source); never legitimate here.
BIDI_OVERRIDE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Invisible in names, so two different people or roles could look identical.
INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f\u180e]")

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False, "yes": True, "Yes": True, "YES": True, "no": False, "No": False,
         "NO": False, "on": True, "On": True, "ON": True, "off": False, "Off": False,
         "OFF": False}
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")


class Mark(NamedTuple):
    """1-based line and column. A tuple: one is made for every node of every file read."""

    line: int
    col: int


@dataclass
class Document:
    path: str
    data: Any
    # Where each node was written, and the unquoted scalars YAML read as something other
    # than text (`no`, `1.10`) as written, for messages. Only a document with a problem needs
    # them, so a document read on the fast path keeps its text and finds them when asked: a
    # ledger of 10,000 records holds every document, and the positions are most of its size.
    _marks: dict[Key, Mark] | None = None
    _plain: dict[Key, str] | None = None
    text: str | None = None

    @property
    def marks(self) -> dict[Key, Mark]:
        if self._marks is None:
            self._positions()
        return self._marks or {}

    @property
    def plain(self) -> dict[Key, str]:
        if self._plain is None:
            self._positions()
        return self._plain or {}

    def _positions(self) -> None:
        self._marks, self._plain = {}, {}
        if self.text is not None:
            built = _built(self.path, self.text)
            self._marks, self._plain = built.marks, built.plain

    def mark(self, key: Key) -> Mark:
        for end in range(len(key), -1, -1):
            found = self.marks.get(key[:end])
            if found is not None:
                return found
        return Mark(1, 1)

    def problem(self, key: Key, code: str, message: str) -> Problem:
        where = self.mark(key)
        return Problem(self.path, where.line, where.col, code, message,
                       field=".".join(str(part) for part in key))


class LoadError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# A carriage return in raw text is a line break; one decoded from "\r" would rewind the
# terminal line and overwrite what a reader was shown.
_ANY_HIDDEN = re.compile("|".join([*(p.pattern for p in (CONTROL, BIDI_OVERRIDE, INVISIBLE)),
                                   "\r"]))
_EMOJI = "[\u2600-\u27bf\U0001f000-\U0001faff]"
# The zero-width joiner that makes one picture of two emoji (a family, a profession) is seen.
_EMOJI_JOINER = re.compile(f"(?:(?<={_EMOJI})|(?<={_EMOJI}\ufe0f))\u200d(?={_EMOJI})")


def invisible_characters(text: str) -> list[str]:
    """Control, bidi and zero-width characters in a decoded name or value, as U+XXXX."""
    return [name for _, name in invisible_positions(text)]


def invisible_positions(text: str) -> list[tuple[int, str]]:
    """Each character `invisible_characters` names, with its 0-based offset in `text`."""
    if not _ANY_HIDDEN.search(text):
        return []  # nearly every value: one scan instead of two
    return [(m.start(), f"U+{ord(m.group()):04X}") for m in _ANY_HIDDEN.finditer(text)
            if not _EMOJI_JOINER.match(text, m.start())]


def field_name(key: Key) -> str:
    return ".".join(str(part) for part in key) or "(top level)"


def load(path: str, raw: bytes) -> Document:
    text = decode(path, raw)
    data = _plain_data(text)
    if data is not None:
        return Document(path, data, text=text)
    built = _built(path, text)
    return Document(path, built.result, built.marks, built.plain, text)


def _built(path: str, text: str) -> _Builder:
    """The full builder's reading: every node's position, and the first problem raised."""
    builder = _Builder(path, text)
    try:
        for event in yaml.parse(text, Loader=Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        line, col, reason = yamlerrors.explain(text, exc.context, _at(exc.context_mark),
                                               exc.problem, _at(exc.problem_mark))
        raise LoadError(Problem(path, line, col, "OL002", f"YAML syntax error: {reason}")) from None
    builder.document()  # raises unless it is one mapping
    return builder


# Text in which the full builder has something to refuse or look at closely: an anchor,
# alias or tag (`&`, `*`, `!`), an escape that may decode to a hidden character, or one
# written as it is. Any of these, even inside quotes, sends a document the long way.
_NEEDS_JUDGEMENT = re.compile("|".join([r"[&*!\\]", *(p.pattern for p in (CONTROL,
                                                                          BIDI_OVERRIDE,
                                                                          INVISIBLE))]))
_NO_KEY = object()


class _Declined(Exception):
    """The text holds something the full builder must judge."""


def _plain_data(text: str) -> Any:
    """The data the full builder would build, built without its bookkeeping (positions,
    keys) from text with nothing in it to judge; None when it must go the long way (which
    also names the first problem). Nothing it returns differs from the full builder's."""
    if _NEEDS_JUDGEMENT.search(text):
        return None
    parser = Loader(text)
    try:
        return _Assembler().run(parser.get_event)
    except (_Declined, yaml.YAMLError, ValueError):
        return None
    finally:
        parser.dispose()


class _Assembler:
    def __init__(self) -> None:
        self.stack: list[Any] = []  # open containers, innermost last
        self.keys: list[Any] = []  # each open mapping's key awaiting its value, or _NO_KEY
        self.result: Any = None
        self.documents = 0

    def run(self, get: Any) -> Any:
        handlers = {yaml.ScalarEvent: self.scalar, yaml.MappingStartEvent: self.start,
                    yaml.SequenceStartEvent: self.start, yaml.MappingEndEvent: self.end,
                    yaml.SequenceEndEvent: self.end, yaml.DocumentStartEvent: self.document,
                    yaml.AliasEvent: self.decline}
        while True:
            event = get()
            if type(event) is yaml.StreamEndEvent:
                if type(self.result) is not dict:
                    raise _Declined
                return self.result
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)

    def scalar(self, event: Any) -> None:
        stack = self.stack
        if stack and type(stack[-1]) is dict and self.keys[-1] is _NO_KEY:
            key = event.value  # keys stay as written (a plain one must read as text)
            if (not event.style and (key == "<<" or not _is_text(key))) or key in stack[-1]:
                raise _Declined
            self.keys[-1] = key
            return
        self.place(event.value if event.style else resolve(event.value))

    def start(self, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH or \
                (self.stack and type(self.stack[-1]) is dict and self.keys[-1] is _NO_KEY):
            raise _Declined  # too deep, or a collection as a key
        self.stack.append({} if type(event) is yaml.MappingStartEvent else [])
        self.keys.append(_NO_KEY)

    def end(self, event: Any) -> None:
        self.keys.pop()
        self.place(self.stack.pop())

    def document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise _Declined

    def decline(self, event: Any) -> None:
        raise _Declined  # an alias: the screen keeps them out; the full builder refuses them

    def place(self, value: Any) -> None:
        if not self.stack:
            self.result = value
        elif type(self.stack[-1]) is list:
            self.stack[-1].append(value)
        else:
            self.stack[-1][self.keys[-1]] = value
            self.keys[-1] = _NO_KEY


def _at(mark: Any) -> yamlerrors.At | None:
    return None if mark is None else yamlerrors.At(mark.line, mark.column)


def decode(path: str, raw: bytes) -> str:
    def fail(message: str) -> LoadError:
        return LoadError(Problem(path, 1, 1, "OL001", message))

    if len(raw) > MAX_BYTES:
        raise fail(f"file is {len(raw)} bytes; the limit is {MAX_BYTES} (256 KiB)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        raise fail("file starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(Problem(path, line, 1, "OL001",
                                f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")
                        ) from None
    for number, content in enumerate(text.split("\n"), start=1):
        bad = CONTROL.search(content.rstrip("\r")) or BIDI_OVERRIDE.search(content)
        if bad:
            raise LoadError(Problem(path, number, bad.start() + 1, "OL009",
                                    f"character U+{ord(bad.group()):04X} is not allowed "
                                    "(control or bidi override); delete it"))
    return text


_COLLECTION_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _Builder:
    """Turns parser events into plain Python data, refusing what a reviewer could misread."""

    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.text = text  # read again only to explain a mistake
        self.stack: list[tuple[Key, Any, list[Any]]] = []  # (key, container, pending map key)
        self.result: Any = None
        self.documents = 0
        self.marks: dict[Key, Mark] = {}
        self.plain: dict[Key, str] = {}

    def fail(self, event: Any, code: str, message: str) -> LoadError:
        mark = event.start_mark
        return LoadError(Problem(self.path, mark.line + 1, mark.column + 1, code, message))

    def feed(self, event: Any) -> None:
        # Dispatch on the exact class, most frequent first: this runs for every node read.
        cls = type(event)
        if cls is yaml.ScalarEvent or cls in _COLLECTION_STARTS:
            self._node(event)
        elif cls in _COLLECTION_ENDS:
            key, value, _ = self.stack.pop()
            self._place(event, key, value)
        elif cls is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise self.fail(event, "OL010", "only one YAML document per file (remove `---`)")
        elif cls is yaml.AliasEvent:
            raise self.fail(event, "OL004", f"alias *{event.anchor} is not allowed; "
                                            "write the value out in full")

    def _node(self, event: Any) -> None:
        if event.anchor is not None:
            raise self.fail(event, "OL004", f"anchor &{event.anchor} is not allowed; "
                                            "write each value out in full")
        if event.tag is not None:
            raise self.fail(event, "OL007", f"explicit tag {event.tag} is not allowed")
        if type(event) is yaml.ScalarEvent:
            self._scalar(event)
            return
        key = self._next_key(event)
        if len(key) >= MAX_DEPTH:
            raise self.fail(event, "OL008", f"nesting deeper than {MAX_DEPTH} levels")
        self.marks[key] = Mark(event.start_mark.line + 1, event.start_mark.column + 1)
        container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.stack.append((key, container, []))

    def _scalar(self, event: Any) -> None:
        if self.stack and type(self.stack[-1][1]) is dict and not self.stack[-1][2]:
            self._map_key(event)
            return
        key = self._next_key(event)
        self.marks[key] = Mark(event.start_mark.line + 1, event.start_mark.column + 1)
        # Escapes ("\u202e", "\e") decode to what the raw-text check refused: look again.
        hidden = invisible_characters(event.value)
        if hidden:
            raise self.fail(event, "OL009", f"{field_name(key)}: the value contains invisible "
                                            f"or control character(s) {', '.join(hidden)}; "
                                            "delete them (escapes included)")
        plain = not event.style and event.implicit[0]
        try:
            value = resolve(event.value) if plain else event.value
        except ValueError as exc:
            raise self.fail(event, "OL101", f"{field_name(key)}: {exc}") from None
        if plain and not isinstance(value, str):
            self.plain[key] = event.value
        self._place(event, key, value)

    def _map_key(self, event: Any) -> None:
        plain = not event.style and event.implicit[0]
        if plain and event.value == "<<":
            raise self.fail(event, "OL005", "merge key `<<` is not allowed; write the keys out")
        if plain and not _is_text(event.value):
            raise self.fail(event, "OL006", f"key {event.value!r} is not a string; quote it")
        hidden = invisible_characters(event.value)
        if hidden:
            raise self.fail(event, "OL009", f"key {event.value!r} contains invisible "
                                            f"character(s) {', '.join(hidden)}")
        parent, mapping, pending = self.stack[-1]
        if event.value in mapping:
            previous = next(reversed(mapping), None)
            events = yaml.parse(self.text, Loader=Loader)
            raise self.fail(event, "OL003", yamlerrors.duplicate(
                events, self.text, parent, event.value, event.start_mark.line + 1, previous))
        pending.append(event.value)

    def _next_key(self, event: Any) -> Key:
        if not self.stack:
            return ()
        parent_key, container, pending = self.stack[-1]
        if type(container) is list:
            return (*parent_key, len(container))
        if not pending:
            raise self.fail(event, "OL006", "a mapping or list cannot be a key")
        return (*parent_key, pending[-1])

    def _place(self, event: Any, key: Key, value: Any) -> None:
        if not self.stack:
            self.result = value
            return
        _, container, pending = self.stack[-1]
        if type(container) is list:
            container.append(value)
        else:
            container[pending.pop()] = value

    def document(self) -> Document:
        if not isinstance(self.result, dict):
            raise LoadError(Problem(self.path, 1, 1, "OL010",
                                    "the file must hold one YAML mapping (key: value lines)"))
        return Document(self.path, self.result, self.marks, self.plain, self.text)


# Keys and many values (statuses, names, booleans) repeat in every file: resolve each once.
@functools.lru_cache(maxsize=8192)
def resolve(value: str) -> Any:
    """YAML 1.1 plain scalars, except that timestamps stay strings. A number JSON cannot
    carry (beyond 2**53 - 1, or not finite) is a ValueError saying so."""
    if _NULL.fullmatch(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.fullmatch(value):
        return _integer(value)
    if _FLOAT.fullmatch(value) and any(c.isdigit() for c in value):
        number = float(value.replace("_", ""))
        if not math.isfinite(number):
            raise ValueError(f"{_shorten(value)} is too large a number; quote it if you mean text")
        return number
    return value


def _integer(value: str) -> int:
    digits = value.lstrip("+-").replace("_", "")
    # Length first: Python refuses to convert very long digit strings at all.
    if len(digits) > len(str(MAX_INT)) or int(digits) > MAX_INT:
        raise ValueError(f"{_shorten(value)} is outside the integers a record can hold "
                         f"(-{MAX_INT} to {MAX_INT}); quote it if you mean text")
    return int(value.replace("_", ""))


def _shorten(value: str) -> str:
    return value if len(value) <= 40 else f"{value[:20]}...({len(value)} characters)"


@functools.lru_cache(maxsize=4096)
def _is_text(value: str) -> bool:
    try:
        return isinstance(resolve(value), str)
    except ValueError:  # an out-of-range number is still a number
        return False


def walk(data: Any, key: Key = ()) -> Iterator[tuple[Key, Any]]:
    yield key, data
    if isinstance(data, dict):
        for name, value in data.items():
            yield from walk(value, (*key, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*key, index))
