"""The fountain: random, typed programs that compile, with hypothesis strategies of them, and corpora.

    generator.sample_programs(20, seed=0, max_ops=8)   # -> list[compiler.Program]
    generator.strategies.programs(max_ops=8)           # hypothesis strategy of the same
    generator.build_corpus("small", "corpora/small")   # Parquet shards of (program, network) rows
    generator.read_rows("corpora/small", split="val")  # or generator.CorpusDataset(...) for torch
"""

import importlib

from generator import strategies
from generator.config import GeneratorConfig
from generator.recipes import Recipe, RecipeError, load_recipe
from generator.sampler import SampleReport, sample, sample_programs

# The corpus API needs pyarrow (and CorpusDataset torch): imported on first use, not with the sampler.
_CORPUS = {"CorpusError": "generator.corpus_format", "build_corpus": "generator.corpus",
           "data_files": "generator.corpus_format", "read_manifest": "generator.corpus_format",
           "read_rows": "generator.corpus_format", "read_table": "generator.corpus_format",
           "verify_corpus": "generator.corpus_check", "describe_corpus": "generator.corpus_check",
           "CorpusDataset": "generator.corpus_dataset"}


def __getattr__(name: str):
    if name in _CORPUS:
        return getattr(importlib.import_module(_CORPUS[name]), name)
    raise AttributeError(f"module 'generator' has no attribute {name!r}")


__all__ = ["GeneratorConfig", "Recipe", "RecipeError", "SampleReport", "load_recipe", "sample", "sample_programs",
           "strategies", *_CORPUS]
