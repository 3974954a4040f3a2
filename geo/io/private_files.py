"""Files only their owner may read (key files, the audit head, plate sheets): written with
mode 0600 whatever the umask, atomically."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable and writable by its owner only (0600, whatever
    the umask), atomically: a reader sees the old file or the new one, and a write that
    fails half-way (``OSError``, e.g. a full disk) leaves neither a truncated file nor its
    staged copy behind. A file already at ``path`` is replaced, so it is narrowed too; a
    device or pipe there (``/dev/stdout``) is written into, never replaced.
    """
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/stdout): a stream
        with path.open("wb") as stream:  # to write into, never a file to replace
            stream.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        staged.replace(path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
