"""Writing files so that no reader ever sees half of one: a temporary file beside the target,
synced to disk, then a rename (atomic on POSIX). The file gets the umask's permissions, as `open`
would give it. Every file the project writes whole (nets, corpus shards, receipts and manifests,
metrics, exports, reports) goes through `write_atomically`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Callable

#: The name prefix of temporary files (a process killed mid-write leaves one; readers skip them).
TMP_PREFIX = ".tmp-"


def write_atomically(path: str | os.PathLike, data: bytes | str | Callable[[BinaryIO], None]) -> Path:
    """Writes `data` (bytes, text as UTF-8, or a function writing to a binary file) to `path`."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a rename would replace a directory's name, /dev/null, a fifo
        raise OSError(f"{path} exists and is not a regular file; give a file name")
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        with open(tmp, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes it visible: a crash leaves the old file
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def installed_versions(names: list[str], missing: str | None = None) -> dict[str, str | None]:
    """Each distribution's installed version (`missing` for one not installed): what nets and
    corpora record of the software that made them."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = missing
    return versions
