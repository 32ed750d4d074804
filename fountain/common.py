"""What several commands share: reading a network file, or one clear error."""

from __future__ import annotations

from pathlib import Path


def load_net_or_exit(path: str):
    """The `Net` saved at `path`, or SystemExit with one line saying what is wrong."""
    from compiler.net import Net, NetFileError

    if Path(path).is_dir():
        raise SystemExit(f"error: {path} is a directory; give a .safetensors network file")
    if not Path(path).is_file():
        raise SystemExit(f"error: no network file {path!r}")
    try:
        return Net.load(path)
    except NetFileError as error:
        raise SystemExit(f"error: {error}")
