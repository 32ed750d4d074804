"""The `fountain` command line: one thin subcommand per stage."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("rasp-fountain")
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
