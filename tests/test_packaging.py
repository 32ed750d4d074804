"""A wheel built from this tree works where the tree is not: recipes ship inside the package."""

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           str(ROOT), "-w", str(out)], capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"pip wheel failed:\n{done.stderr[-2000:]}")
    return next(out.glob("rasp_fountain-*.whl"))


def test_the_wheel_carries_the_recipes_and_cards(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for recipe in (ROOT / "datasets").glob("*.toml"):
        assert f"generator/datasets/{recipe.name}" in names
        assert f"generator/datasets/{recipe.stem}.md" in names
    assert {"compiler/language/grammar.lark", "compiler/py.typed", "interpreter/py.typed"} <= names
    # the default interpreter and its model card
    card = ("config.json", "model.safetensors", "README.md")
    assert {f"interpreter/checkpoints/default/{name}" for name in card} <= names


def test_an_installed_wheel_builds_a_corpus_from_a_bare_recipe_name(wheel, tmp_path):
    # a fresh environment that sees this one's dependencies (a .pth line: a plain path, whose own
    # .pth files, such as an editable install's finder, are not run) but not this checkout
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                              str(wheel)], capture_output=True, text=True)
    if install.returncode:
        pytest.skip(f"this pip cannot install into another environment: {install.stderr[-300:]}")
    run = subprocess.run([str(python), "-c", "import generator.recipes as r; print(r.RECIPES_DIR)"],
                         capture_output=True, text=True, cwd=tmp_path, check=True)
    assert str(env_dir) in run.stdout and run.stdout.strip().endswith("generator/datasets")
    build = subprocess.run([str(python), "-m", "fountain", "corpus", "build", "tiny", "--out", str(tmp_path / "c"),
                            "--workers", "0"], capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    assert (tmp_path / "c" / "manifest.json").is_file()
