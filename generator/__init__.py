"""The fountain: random, typed programs that compile, with hypothesis strategies of them.

    generator.sample_programs(20, seed=0, max_ops=8)   # -> list[compiler.Program]
    generator.strategies.programs(max_ops=8)           # hypothesis strategy of the same
"""

from generator import strategies
from generator.sampler import GeneratorConfig, SampleReport, sample, sample_programs

__all__ = ["GeneratorConfig", "SampleReport", "sample", "sample_programs", "strategies"]
