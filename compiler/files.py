"""Writing files so that no reader ever sees half of one: a temporary file beside the target, then
a rename (atomic on POSIX). The file gets the umask's permissions, as `open` would give it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomically(path: str | os.PathLike, data: bytes | str | Callable[[BinaryIO], None]) -> Path:
    """Writes `data` (bytes, text as UTF-8, or a function writing to a binary file) to `path`."""
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        with open(tmp, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
