"""Writes that either happen whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(target: Path, content: bytes, exclusive: bool = False) -> None:
    """Temp file in the same directory, fsync, then rename over the target: a crash leaves
    the old file or the new one, never half of either."""
    if exclusive and target.exists():
        raise FileExistsError(str(target))
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temp, target)  # fails if another writer got there first
            os.unlink(temp)
        else:
            os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
