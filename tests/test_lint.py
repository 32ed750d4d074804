"""The code passes the project's linter (ruff, configured in pyproject.toml), as CI runs it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or (Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed: pip install -e '.[test]' installs it")
    result = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=Path(__file__).parents[1],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
