"""What several commands share: reading a network file and checking an output path, or one clear error."""

from __future__ import annotations

import re
from pathlib import Path

_INT = re.compile(r"[+-]?\d+\Z")


def load_net_or_exit(path: str):
    """The `Net` saved at `path`, or SystemExit with one line saying what is wrong."""
    from compiler.nets.net import Net, NetFileError

    if Path(path).is_dir():
        raise SystemExit(f"error: {path} is a directory; give a .safetensors network file")
    if not Path(path).is_file():
        raise SystemExit(f"error: no network file {path!r}")
    try:
        return Net.load(path)
    except NetFileError as error:
        raise SystemExit(f"error: {error}")


def output_file(path: str, *inputs: str) -> str:
    """`path` if a file can be written there without replacing one of the command's `inputs`,
    else one clear error (before any work)."""
    parent = Path(path).parent
    if not parent.is_dir():
        raise SystemExit(f"error: cannot write {path}: no directory {str(parent)!r} (create it first)")
    if Path(path).is_dir():
        raise SystemExit(f"error: cannot write {path}: it is a directory; give a file name")
    if Path(path).exists() and not Path(path).is_file():
        raise SystemExit(f"error: cannot write {path}: it exists and is not a regular file (a device, a pipe); "
                         "give a file name")
    for source in inputs:
        if source != "-" and Path(path).exists() and Path(source).exists() and Path(path).samefile(source):
            raise SystemExit(f"error: {path} is this command's input {source}: writing there would replace it; "
                             "give another output file")
    return path


def parse_input(text: str) -> list:
    """Whitespace-separated tokens; those that look like integers are integers."""
    return [int(t) if _INT.match(t) else t for t in text.split()]


def save_net(net, path: str) -> None:
    """Writes `net` to `path`, or one clear error (the file system may still refuse: /proc, a full disk)."""
    try:
        net.save(path)
    except OSError as error:
        raise SystemExit(f"error: cannot write {path}: {error.strerror or error}")
