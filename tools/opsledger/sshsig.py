"""SSH signatures (`ssh-keygen -Y`) in the namespace `opsledger`; the only module that
runs ssh-keygen and the only one that imports cryptography.

ssh-keygen is one process per signature (~15-40 ms; a ledger of years holds thousands, and a
pull request can add thousands of junk ones). So the signature is read in-process first
(PROTOCOL.sshsig): one whose armor or blob does not parse, that is for another namespace, or
whose embedded key is none of the allowed ones cannot verify and is refused outright. An
Ed25519 signature (the common case) is verified in-process (~0.1 ms), and that answer is
final; only a well-formed signature by an allowed key of another type goes to ssh-keygen."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from opsledger.problems import FatalError

NAMESPACE = "opsledger"
# allowed_signers principals are patterns: refuse anything that could be a wildcard or list.
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise FatalError("ssh-keygen (OpenSSH 8.2+) is needed for sign-offs; "
                         "install openssh-client")
    return found


def refuse_public_key(key_file: Path) -> None:
    """`--key` given a public key would fail inside ssh-keygen with its banner; say what to
    pass instead."""
    try:
        head = key_file.read_bytes()[:64]
    except OSError as exc:
        raise FatalError(f"--key {key_file}: {exc.strerror}; pass your private SSH key file"
                         ) from None
    if head.startswith((b"ssh-", b"ecdsa-", b"sk-")):
        private = key_file.with_suffix("") if key_file.suffix == ".pub" else None
        hint = f" ({private}, beside it)" if private is not None and private.exists() else ""
        raise FatalError(f"--key {key_file} is a public key; pass the private key{hint}: "
                         "the file without .pub")


def _too_open(key_file: Path, stderr: str) -> None:
    if "UNPROTECTED PRIVATE KEY FILE" in stderr:
        raise FatalError(f"{key_file} can be read by others, so ssh-keygen will not use it: "
                         f"run `chmod 600 {key_file}` and sign again")


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def sign(payload: bytes, key_file: Path) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "payload"
        target.write_bytes(payload)
        result = subprocess.run([_ssh_keygen(), "-Y", "sign", "-q", "-n", NAMESPACE,
                                 "-f", str(key_file), str(target)],
                                capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                check=False)
        if result.returncode != 0:
            _too_open(key_file, result.stderr)
            raise FatalError(f"ssh-keygen could not sign with {key_file}: "
                             f"{_one_line(result.stderr) or 'unknown error'}")
        return (Path(scratch) / "payload.sig").read_text()


def public_key_of(key_file: Path) -> str:
    pub = Path(f"{key_file}.pub")
    if pub.exists():
        return pub.read_text().strip()
    result = subprocess.run([_ssh_keygen(), "-y", "-f", str(key_file)], capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        _too_open(key_file, result.stderr)
        raise FatalError(f"cannot read the public half of {key_file}: "
                         f"{_one_line(result.stderr)}")
    return result.stdout.strip()


def same_key(a: str, b: str) -> bool:
    return a.split()[:2] == b.split()[:2]


def verify(payload: bytes, signature: str, identity: str, keys: list[str]) -> bool:
    """True only for a good signature, in our namespace, by one of `keys`."""
    if not keys or not _PLAIN_EMAIL.fullmatch(identity):
        return False
    fields = _allowed_fields(signature, keys)
    if fields is None:
        return False
    if _key_type(fields[0]) == b"ssh-ed25519":
        return _ed25519_valid(payload, signature, keys)
    return _ssh_keygen_verify(payload, signature, identity, keys)


def _ssh_keygen_verify(payload: bytes, signature: str, identity: str, keys: list[str]) -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        allowed = Path(scratch) / "allowed_signers"
        # Only this person's keys are listed: a good signature by anyone else fails.
        allowed.write_text("".join(f'{identity} namespaces="{NAMESPACE}" '
                                   f'{" ".join(k.split()[:2])}\n' for k in keys))
        sig = Path(scratch) / "sig"
        sig.write_text(signature)
        result = subprocess.run([_ssh_keygen(), "-Y", "verify", "-f", str(allowed),
                                 "-I", identity, "-n", NAMESPACE, "-s", str(sig)],
                                input=payload, capture_output=True, check=False)
        return result.returncode == 0


_ARMOR_BEGIN, _ARMOR_END = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_HASHES = {b"sha512": hashlib.sha512, b"sha256": hashlib.sha256}


def _allowed_fields(signature: str, keys: list[str]) -> tuple[bytes, ...] | None:
    """The SSHSIG fields of a signature that could verify: it parses, is for our namespace
    with a hash ssh-keygen knows and the empty reserved field it writes, and embeds one of
    `keys`. None for any other: no need to ask ssh-keygen."""
    blob = _dearmor(signature)
    fields = _sshsig_fields(blob) if blob is not None else None
    if fields is None:
        return None
    public, namespace, reserved, hash_name, _ = fields
    if public not in {_key_blob(k) for k in keys} or namespace != NAMESPACE.encode() or \
            reserved or hash_name not in _HASHES:
        return None
    return fields


def _key_type(public: bytes) -> bytes:
    """The algorithm name a public key blob starts with (b"" if it does not)."""
    size = struct.unpack(">I", public[:4])[0] if len(public) >= 4 else 0
    return public[4:4 + size] if 0 < size <= len(public) - 4 else b""


def _ed25519_valid(payload: bytes, signature: str, keys: list[str]) -> bool:
    """True when `signature` is a valid Ed25519 SSHSIG over `payload` in our namespace by one
    of `keys`; False otherwise (final for an Ed25519 key: ssh-keygen is not asked)."""
    fields = _allowed_fields(signature, keys)
    if fields is None:
        return False
    public, _, _, hash_name, sig = fields
    key_type, key_rest = _strings(public, 2) or (b"", b"")
    sig_parts = _strings(sig, 2)
    if key_type != b"ssh-ed25519" or sig_parts is None or sig_parts[0] != b"ssh-ed25519" or \
            len(key_rest) != 32 or len(sig_parts[1]) != 64:  # Ed25519 sizes
        return False
    # What was signed (PROTOCOL.sshsig): the preamble, namespace, an empty reserved field,
    # the hash algorithm and the hash of the message.
    signed = b"SSHSIG" + _string(NAMESPACE.encode()) + _string(b"") + _string(hash_name) + \
        _string(_HASHES[hash_name](payload).digest())
    return _ed25519_verify(key_rest, sig_parts[1], signed)


def _ed25519_verify(public: bytes, sig: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 -- lazy: ~0.05 s
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PublicKey,
    )

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _dearmor(signature: str) -> bytes | None:
    """The signature blob, read as ssh-keygen reads its armor (anything else: None): the
    BEGIN line first, then base64 in which whitespace is skipped, up to the END marker;
    what follows the marker is ignored."""
    if not signature.startswith(_ARMOR_BEGIN + "\n") or _ARMOR_END not in signature:
        return None
    body = _WHITESPACE.sub("", signature[len(_ARMOR_BEGIN) + 1:signature.index(_ARMOR_END)])
    if not _BASE64.fullmatch(body):
        return None
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        return None


def _sshsig_fields(blob: bytes) -> tuple[bytes, ...] | None:
    """(public key, namespace, reserved, hash algorithm, signature) of a version-1 blob."""
    if not blob.startswith(b"SSHSIG") or blob[6:10] != struct.pack(">I", 1):
        return None
    found = _strings(blob[10:], 5)
    return tuple(found) if found is not None else None


def _strings(data: bytes, count: int) -> list[bytes] | None:
    """Exactly `count` SSH wire strings (uint32 length, bytes) filling `data`, or None."""
    out, at = [], 0
    for _ in range(count):
        if at + 4 > len(data):
            return None
        (size,) = struct.unpack(">I", data[at:at + 4])
        if at + 4 + size > len(data):
            return None
        out.append(data[at + 4:at + 4 + size])
        at += 4 + size
    return out if at == len(data) else None


def _string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _key_blob(key: str) -> Any:
    parts = key.split()
    try:
        return base64.b64decode(parts[1], validate=True) if len(parts) > 1 else None
    except ValueError:
        return None
