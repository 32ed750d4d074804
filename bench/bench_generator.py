"""Benchmark of the fountain: checked programs per second on one core, and why candidates fail.

Anchor, measured in the same run: the same check (compile, then run the network on every
probe input) done with stock tracr (`compile_rasp_to_model`, `model.apply` per input) on the
first few programs drawn that stock tracr compiles.

    python bench/bench_generator.py [--programs 200] [--anchor-programs 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

from absl import logging
from threadpoolctl import threadpool_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--anchor-programs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")  # as the CLI: small matrices, see README
    logging.set_verbosity(logging.ERROR)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target is per core

    from tracr.compiler import compiling

    import compiler
    import generator
    from compiler.compiling import craft_fast
    from compiler.compiling.check import outputs_agree
    from generator.sampler import Sampler

    config = generator.GeneratorConfig()
    # Once per process: numba loads the sparse kernel's cached machine code (timed apart: the
    # target is the fountain's steady rate).
    start = time.perf_counter()
    compiler.compile_program("return map(lambda x: x + 1, tokens)", vocab={1}, max_seq_len=1).run([[1]])
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    programs, report = generator.sample(args.programs, seed=args.seed, config=config)
    ours = len(programs) / (time.perf_counter() - start)
    print(report.format())
    print(f"(before that, once per process: {warm_up:.2f} s to load the compiled kernel)")
    print(f"\nrejection rate {sum(report.rejected.values()) / report.candidates:.1%}")

    probes = Sampler(config).probes
    timed = elapsed = 0
    for program in programs:  # the first programs stock tracr compiles (it needs `tokens` read)
        if timed == args.anchor_programs:
            break
        start = time.perf_counter()
        try:
            with craft_fast.installed(False):  # stock tracr: none of our faster tracr functions
                model = compiling.compile_rasp_to_model(program.sop, set(config.vocab), config.max_seq_len,
                                                        compiler_bos="BOS", compiler_pad="PAD")
        except Exception:
            continue
        for xs in probes:
            decoded = model.apply(["BOS", *xs]).decoded[1:]
            outputs_agree(compiler.evaluate(program, xs), decoded)
        elapsed += time.perf_counter() - start
        timed += 1
    stock = timed / elapsed
    print(f"\nchecked programs/s on one core: ours {ours:.1f}  (target 50)   "
          f"stock tracr check {stock:.3f}   ratio x{ours / stock:,.0f}")


if __name__ == "__main__":
    main()
