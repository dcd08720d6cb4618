"""The fast paths agree with the slow ones: YAML read without positions reads as the full
builder reads it, the compiled schema validator accepts only what jsonschema accepts, and the
cache never changes what a command prints."""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, GitLedger, run_check

import opsledger
from opsledger import loader, resultcache, schema, sshsig
from opsledger.cli import main
from opsledger.commands import validate as validate_command
from opsledger.loader import LoadError, load
from opsledger.schema import DOCUMENTS, Schemas, compilable

INVALID = Path(__file__).parent / "invalid"


def _schemas() -> Schemas:
    return Schemas({kind: (REPO / "schemas" / f"{kind}.schema.json").read_bytes()
                    for kind in DOCUMENTS})


def _documents() -> list[tuple[str, Any]]:
    """(kind, data) of every sample document and every invalid example that parses."""
    found: list[tuple[str, Any]] = [("policy", load("p", (REPO / "opsledger.yaml").read_bytes()).data)]
    for pattern, kind in (("releases/*/release.yaml", "release"),
                          ("incidents/*/incident.yaml", "incident"),
                          ("*/*/signoffs/*.yaml", "signoff"),
                          ("tools/tests/invalid/*.yaml", "incident"),
                          ("tools/tests/invalid/release/*.yaml", "release")):
        for path in sorted(REPO.glob(pattern)):
            try:
                found.append((kind, load(str(path), path.read_bytes()).data))
            except LoadError:
                continue  # refused before any schema sees it
    return found


def _yaml_texts() -> list[str]:
    """Every sample and invalid example that is UTF-8 (the rest never reach a builder)."""
    raw = [path.read_bytes() for pattern in (
        "opsledger.yaml", "releases/*/release.yaml", "incidents/*/incident.yaml",
        "*/*/signoffs/*.yaml", "tools/tests/invalid/*.yaml", "tools/tests/invalid/release/*.yaml")
        for path in sorted(REPO.glob(pattern))]
    return [content.decode("utf-8") for content in raw if _utf8(content)]


def _utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# What people and attackers write that the full builder judges: anchors, aliases, tags,
# merge keys, duplicate or non-text keys, escapes, hidden characters, documents, numbers
# JSON cannot carry, nesting, flow collections and quoting.
_INSERTS = ["&a ", "*a", "!!str ", "!x ", "<<: {}\n", "id: X\n", "1: x\n", "? [a]\n: b\n",
            '"\\u202e"', '"\\e"', "\u200b", "\u00ad", "---\n", "...\n", "[", "]", "{", "}",
            ": ", "- ", "  ", "\t", "'", '"', "# ", "1e400", "99999999999999999999", "no",
            "~", ": no\n", "null: 1\n", "- - - - - - - - - - - - - - - - - - - - - - - - - - - - "
            "- - - - - -\n", "\r\n", "|\n", ">-\n", "%YAML 1.1\n", "@", "`"]


def _outcome(read: Any) -> tuple[Any, ...]:
    try:
        doc = read()
    except loader.LoadError as exc:
        return ("refused", exc.problem)
    return ("read", doc.data, doc.marks, doc.plain)


def test_yaml_read_without_positions_reads_as_the_full_builder() -> None:
    """Every sample and invalid example, and 4,000 of them broken at random with what the
    full builder judges, read alike (data, positions, messages) both ways; the fast way is
    the one taken for every sample record."""
    rng = random.Random(7)
    texts = _yaml_texts()
    cases = list(texts)
    for _ in range(4000):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            at = rng.choice([0, rng.randrange(len(text) + 1),
                             *(i + 1 for i, c in enumerate(text) if c == "\n")])
            text = text[:at] + rng.choice(_INSERTS) + text[at:]
        cases.append(text)
    fast_taken = 0
    for text in cases:
        fast = _outcome(lambda t=text: loader.load("f.yaml", t.encode()))
        full = _outcome(lambda t=text: _full_load(t))
        assert fast == full, text
        fast_taken += loader._plain_data(text) is not None
    records = [path.read_text(encoding="utf-8") for pattern in
               ("releases/*/release.yaml", "incidents/*/incident.yaml", "*/*/signoffs/*.yaml")
               for path in REPO.glob(pattern)]
    assert records and all(loader._plain_data(text) is not None for text in records
                           if not any(c in text for c in "&*!\\"))
    assert fast_taken > 200  # and some of the broken ones are still read the fast way


def _full_load(text: str) -> Any:
    built = loader._built("f.yaml", loader.decode("f.yaml", text.encode()))
    return loader.Document("f.yaml", built.result, built.marks, built.plain, text)


def _mutations(data: Any) -> list[Any]:
    """Small breakages of a valid document: each top-level field dropped, retyped, emptied."""
    out = []
    for key in list(data):
        for value in (None, 7, True, "", [], {}, "2026-02-30T10:00:00Z", "not one of them"):
            changed = copy.deepcopy(data)
            changed[key] = value
            out.append(changed)
        dropped = copy.deepcopy(data)
        del dropped[key]
        out.append(dropped)
    out.append({**data, "unexpected_field": 1})
    if isinstance(data.get("roles"), dict):  # the one role name the policy reserves
        out.append({**data, "roles": {**data["roles"], "requester": ["bob"]}})
    return out


def test_compiled_validator_accepts_exactly_what_jsonschema_accepts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "COMPILE_AFTER", 0)
    schemas = _schemas()
    compared = accepted = 0
    for kind, data in _documents():
        for candidate in [data, *_mutations(data)]:
            fast = schemas.accepts(kind, candidate) is True
            slow = not any(schemas._validators[kind].iter_errors(candidate))
            assert fast == slow, f"{kind}: compiled {fast}, jsonschema {slow}: {candidate!r}"
            compared += 1
            accepted += fast
    assert compared > 3000 and accepted > 100  # both verdicts were exercised, many times


def test_compiled_validator_never_fills_in_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "COMPILE_AFTER", 0)
    source = b'{"type": "object", "properties": {"x": {"type": "string", "default": "d"}}}'
    schemas = Schemas(dict.fromkeys(DOCUMENTS, source))
    data: dict[str, Any] = {}
    assert schemas.accepts("release", data) is True
    assert data == {}  # a filled-in default would change what is digested and signed


@pytest.mark.parametrize("keyword", [
    {"unevaluatedProperties": False}, {"prefixItems": [{"type": "string"}]},
    {"$ref": "https://example.com/other.json"}, {"items": [{"type": "string"}]},
    {"dependentRequired": {"a": ["b"]}},
    # draft-07 (fastjsonschema) reads only the $ref; draft 2020-12 the `not` beside it too
    {"$ref": "#/$defs/any", "not": {"const": "requester"}}])
def test_keywords_read_differently_leave_the_schema_to_jsonschema(keyword: dict[str, Any],
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.setattr(schema, "COMPILE_AFTER", 0)
    nested = {"type": "object", "properties": {"x": {"type": "object", **keyword}},
              "$defs": {"any": {}}}
    assert not compilable(nested)
    schemas = Schemas({kind: __import__("json").dumps(nested).encode() for kind in DOCUMENTS})
    assert schemas.accepts("release", {"x": {}}) is None  # jsonschema answers


def test_the_sample_schemas_are_compiled() -> None:
    for kind in DOCUMENTS:
        source = (REPO / "schemas" / f"{kind}.schema.json").read_text()
        assert compilable(__import__("json").loads(source)), kind


# --- SSH signatures: the in-process Ed25519 path against ssh-keygen ------------------------

def _keygen(directory: Path, name: str, kind: str = "ed25519") -> tuple[Path, str]:
    target = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"{name}@example.com",
                    "-f", str(target)], check=True)
    return target, " ".join(target.with_suffix(".pub").read_text().split()[:2])


def _sign(key: Path, payload: bytes, namespace: str = sshsig.NAMESPACE) -> str:
    message = key.parent / "message"
    message.write_bytes(payload)
    message.with_suffix(".sig").unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-n", namespace, "-f", str(key),
                    str(message)], check=True)
    return message.with_suffix(".sig").read_text()


def _by_ssh_keygen(*args: Any) -> bool:
    """ssh-keygen's own verdict, whatever the in-process reading would decide."""
    return sshsig._ssh_keygen_verify(*args)


def test_in_process_verification_agrees_with_ssh_keygen(tmp_path: Path) -> None:
    alice, alice_pub = _keygen(tmp_path, "alice")
    mallory, mallory_pub = _keygen(tmp_path, "mallory")
    ecdsa, ecdsa_pub = _keygen(tmp_path, "erin", "ecdsa")
    payload = b'{"by":"alice","digest":"sha256:00"}'
    good = _sign(alice, payload)
    spaced = good.replace("\n", "\n ", 1)  # whitespace in the base64: ssh-keygen skips it
    blob = sshsig._dearmor(good)
    assert blob is not None
    stretched = "-----BEGIN SSH SIGNATURE-----\n" + \
        __import__("base64").b64encode(blob).decode() + "\n-----END SSH SIGNATURE-----\n"
    cases = {
        "valid": (payload, good, [alice_pub], True),
        "valid, second key listed": (payload, good, [mallory_pub, alice_pub], True),
        "another person's key": (payload, _sign(mallory, payload), [alice_pub], False),
        "not the signed payload": (payload + b" ", good, [alice_pub], False),
        "a git commit signature": (payload, _sign(alice, payload, "git"), [alice_pub], False),
        "not a signature": (payload, "-----BEGIN SSH SIGNATURE-----\nAAAA\n"
                            "-----END SSH SIGNATURE-----\n", [alice_pub], False),
        "ecdsa (ssh-keygen's)": (payload, _sign(ecdsa, payload), [ecdsa_pub], True),
        "ecdsa, another person's key": (payload, _sign(ecdsa, payload), [alice_pub], False),
        "ecdsa, not the signed payload": (b"x", _sign(ecdsa, payload), [ecdsa_pub], False),
        "whitespace in the armor": (payload, spaced, [alice_pub], True),
        "one long base64 line": (payload, stretched, [alice_pub], True),
        "text after the armor": (payload, good + "trailing\n", [alice_pub], True),
        "a line before the armor": (payload, "\n" + good, [alice_pub], False),
        "CRLF armor": (payload, good.replace("\n", "\r\n"), [alice_pub], False),
    }
    for name, (signed, signature, allowed, expected) in cases.items():
        slow = _by_ssh_keygen(signed, signature, "alice@example.com", allowed)
        fast = sshsig.verify(signed, signature, "alice@example.com", allowed)
        assert fast == slow, name
        assert expected is None or fast is expected, name
    assert sshsig._ed25519_valid(payload, good, [alice_pub])  # the fast path was taken
    assert not sshsig._ed25519_valid(payload, _sign(ecdsa, payload), [ecdsa_pub])


def test_a_flipped_bit_anywhere_in_a_signature_is_refused(tmp_path: Path) -> None:
    alice, alice_pub = _keygen(tmp_path, "alice")
    payload = b"payload"
    blob = sshsig._dearmor(_sign(alice, payload))
    assert blob is not None
    for index in range(0, len(blob), 7):
        changed = bytearray(blob)
        changed[index] ^= 0x01
        armored = "-----BEGIN SSH SIGNATURE-----\n" + \
            __import__("base64").b64encode(bytes(changed)).decode() + \
            "\n-----END SSH SIGNATURE-----\n"
        assert not sshsig._ed25519_valid(payload, armored, [alice_pub]), index


def _armor(blob: bytes) -> str:
    return "-----BEGIN SSH SIGNATURE-----\n" + __import__("base64").b64encode(blob).decode() + \
        "\n-----END SSH SIGNATURE-----\n"


def _junk_signatures() -> list[str]:
    """Signatures that cannot verify, each in a way the in-process reading sees: armor that
    is not base64, a blob that is not SSHSIG, another namespace, a key nobody listed, and an
    allowed Ed25519 key with a made-up signature."""
    alice = __import__("base64").b64decode((REPO / "sample-keys" / "alice.pub").read_text()
                                           .split()[1])
    stranger = sshsig._string(b"ssh-ed25519") + sshsig._string(bytes(32))
    ed25519_sig = sshsig._string(sshsig._string(b"ssh-ed25519") + sshsig._string(bytes(64)))

    def blob(key: bytes, namespace: bytes) -> bytes:
        return b"SSHSIG\x00\x00\x00\x01" + sshsig._string(key) + sshsig._string(namespace) + \
            sshsig._string(b"") + sshsig._string(b"sha512") + ed25519_sig

    return ["-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
            _armor(b"not an SSHSIG blob"), _armor(blob(alice, b"git")),
            _armor(blob(stranger, b"opsledger")), _armor(blob(alice, b"opsledger"))]


def test_junk_signoffs_are_judged_without_running_ssh_keygen(
        ledger: GitLedger, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    junk = _junk_signatures()
    for seq in range(1, 501):
        name = "dev_lead--alice" + ("" if seq == 1 else f"--{seq}")
        signature = "".join(f"  {line}\n" for line in junk[seq % len(junk)].splitlines())
        ledger.write(f"releases/REL-2026-0006/signoffs/{name}.yaml",
                     f'record: REL-2026-0006\nrole: dev_lead\nby: alice\ndecision: approve\n'
                     f'gate: approval\nseq: {seq}\ndigest: "sha256:{"0" * 64}"\n'
                     f'at: "2026-11-20T00:00:00+00:00"\nsignature: |\n{signature}')
    ledger.commit("REL-2026-0006: sign-offs", who="mallory")
    spawned: list[str] = []
    run = subprocess.run

    def counted(args: list[str], **kwargs: Any) -> Any:
        if "ssh-keygen" in str(args[0]):
            spawned.append(args[0])
        return run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counted)
    started = time.process_time()  # CPU time: other jobs on a shared runner do not count
    code, out = run_check(capsys, base)
    elapsed = time.process_time() - started
    assert code == 1, out
    for name in ("dev_lead--alice", *(f"dev_lead--alice--{seq}" for seq in (2, 3, 4, 5, 500))):
        # each kind of junk signature, and the last file
        assert f"releases/REL-2026-0006/signoffs/{name}.yaml:9:12: error OL301: " in out, name
    assert spawned == []  # no ssh-keygen process for a signature that cannot verify
    assert elapsed < 5, elapsed


# --- the validate cache: same output, and a miss whenever an input changed ----------------

def _validate(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate"])
    return code, capsys.readouterr().out


def _cached_value(root: Path) -> Any:
    path = root / ".git" / resultcache.DIRECTORY / "validate.json"
    return json.loads(path.read_text())["value"] if path.exists() else None


@pytest.fixture
def broken(ledger: GitLedger, monkeypatch: pytest.MonkeyPatch) -> GitLedger:
    """The sample with two problems, and inputs old enough to be cached."""
    monkeypatch.setattr(resultcache, "RACY_SECONDS", -3600.0)
    text = ledger.read("releases/REL-2026-0004/release.yaml")
    ledger.write("releases/REL-2026-0004/release.yaml", text.replace("risk: ", "risk: huge\nx: "))
    return ledger


def test_a_cached_run_prints_what_the_run_before_printed(broken: GitLedger,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = _validate(capsys)
    assert first[0] == 1 and "OL101" in first[1]
    assert _cached_value(broken.root) is not None
    # A hit reads no record: with reading broken, the same problems still come back.
    monkeypatch.setattr("opsledger.commands.validate._judge", lambda *_: pytest.fail("read"))
    assert _validate(capsys) == first
    assert main(["validate", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"]


def _edit(root: Path, path: str) -> None:
    target = root / path
    text = target.read_text()
    stat = target.stat()
    target.write_text(text.replace("Payments", "Paymentz", 1))  # same size
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old mtime


CHANGES = {
    "policy": lambda root: _edit(root, "opsledger.yaml"),
    "schema": lambda root: (root / "schemas/release.schema.json").write_text(
        (root / "schemas/release.schema.json").read_text().replace('"risk"', '"risk" ', 1)),
    "record": lambda root: _edit(root, "releases/REL-2026-0004/release.yaml"),
    "new directory": lambda root: (root / "incidents/INC-2026-0777").mkdir(),
    "new sign-off": lambda root: shutil.copy(
        next((root / "releases/REL-2026-0004/signoffs").iterdir()),
        root / "releases/REL-2026-0004/signoffs/qa--mallory.yaml"),
    "removed file": lambda root: (root / "incidents/INC-2026-0001/postmortem.md").unlink(),
    "tool version": lambda root: setattr(opsledger, "__version__", "99.0"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_changed_input_misses_the_cache(change: str, broken: GitLedger,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opsledger, "__version__", opsledger.__version__)
    _validate(capsys)
    assert _cached_value(broken.root) is not None
    CHANGES[change](broken.root)
    judged: list[int] = []
    real = validate_command._judge
    monkeypatch.setattr(validate_command, "_judge", lambda *a: judged.append(1) or real(*a))
    cached = _validate(capsys)
    assert judged, f"a changed {change} was answered from the cache"
    monkeypatch.setattr(resultcache, "ResultCache", _NoCache)
    assert cached == _validate(capsys)  # and the new verdict is the uncached one


class _NoCache(resultcache.ResultCache):
    def __init__(self, root: Path) -> None:
        self.directory = None


def test_inputs_younger_than_the_racy_window_are_not_cached(ledger: GitLedger,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    # An uncommitted edit is fingerprinted by its stat, which a second edit within the same
    # clock tick could leave unchanged.
    with (ledger.root / "releases/REL-2026-0004/release.yaml").open("a") as edited:
        edited.write("# reviewed\n")
    assert _validate(capsys)[0] == 0
    assert _cached_value(ledger.root) is None


def test_files_as_head_has_them_are_vouched_for_by_git(ledger: GitLedger,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Just touched but unchanged: git compares the content, so the result is kept; a file
    git is told not to look at (assume-unchanged) sends the fingerprint back to stat data."""
    path = "releases/REL-2026-0004/release.yaml"
    (ledger.root / path).touch()
    assert _validate(capsys)[0] == 0
    assert _cached_value(ledger.root) is not None
    ledger.git("update-index", "--assume-unchanged", path)
    ledger.edit(path, "\ntitle: ", "\ntitle: Edited, ")
    judged: list[int] = []
    real = validate_command._judge
    monkeypatch.setattr(validate_command, "_judge", lambda *a: judged.append(1) or real(*a))
    _validate(capsys)
    assert judged, "an edit git was told to ignore was answered from the cache"
