"""SSH signatures (`ssh-keygen -Y`) in the namespace `opsledger`; the only module that
runs ssh-keygen."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

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
        raise FatalError(f"cannot read the public half of {key_file}: "
                         f"{_one_line(result.stderr)}")
    return result.stdout.strip()


def same_key(a: str, b: str) -> bool:
    return a.split()[:2] == b.split()[:2]


def verify(payload: bytes, signature: str, identity: str, keys: list[str]) -> bool:
    """True only for a good signature, in our namespace, by one of `keys`."""
    if not keys or not _PLAIN_EMAIL.fullmatch(identity):
        return False
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
