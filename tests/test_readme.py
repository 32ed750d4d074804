"""Every Python block of the README runs, as written, with small stand-ins only where a block
needs a corpus built by a longer command or a long run (each stand-in is listed here)."""

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)

# (what the README says, what the test runs instead): the project's `tiny` corpus for the bigger
# ones, and a few steps where the README trains for minutes
STAND_INS = [
    ("interpreter.TrainConfig()", "interpreter.TrainConfig(model=TINY_MODEL, steps=2, batch_size=4, "
                                  "eval_every=100, checkpoint_every=2, log_every=1)"),
    ('Fountain("small", reuse=3', 'Fountain("tiny", reuse=3'),
    ("time_budget=1200", "time_budget=20"),
    ("compiler.retrain(net, seed=0)", "compiler.retrain(net, seed=0, max_steps=20)"),
    ("compiler.compress(net, d_model=8, seed=0)", "compiler.compress(net, d_model=8, seed=0, max_steps=20)"),
    ("limit=100", "limit=1"),
]


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 4


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from generator.corpus import build_corpus
    from generator.recipes import RECIPES_DIR
    from tests.test_interpreter import TINY_MODEL  # noqa: F401 - the stand-in model's size

    directory = tmp_path_factory.mktemp("readme")
    build_corpus(RECIPES_DIR / "tiny.toml", directory / "corpora" / "small", workers=0, progress=False,
                 log=lambda message: None)
    shutil.copytree(directory / "corpora" / "small", directory / "corpora" / "ops8")
    return directory


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_python_block_runs(index, workdir, monkeypatch):
    from tests.test_interpreter import TINY_MODEL

    code = BLOCKS[index]
    for said, run in STAND_INS:
        code = code.replace(said, run)
    monkeypatch.chdir(workdir)
    exec(compile(code, f"README.md python block {index + 1}", "exec"), {"TINY_MODEL": TINY_MODEL,
                                                                          "__name__": "readme"})
