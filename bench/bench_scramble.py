"""Benchmark of scrambling: time per net, with and without verification, against compiling it.

Anchor, measured in the same run: `compile_program` on the same programs.

    python bench/bench_scramble.py [--programs 50] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from absl import logging
from threadpoolctl import threadpool_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")  # as the CLI: small matrices, see README
    logging.set_verbosity(logging.ERROR)

    import compiler
    import generator

    config = generator.GeneratorConfig()
    programs = generator.sample_programs(args.programs, seed=args.seed)
    vocab = set(config.vocab)

    start = time.perf_counter()
    nets = [compiler.compile_program(p, vocab=vocab, max_seq_len=config.max_seq_len) for p in programs]
    compile_time = (time.perf_counter() - start) / len(nets)
    timings = {}
    for verify in (False, True):
        start = time.perf_counter()
        for net in nets:
            compiler.scramble(net, seed=args.seed, verify=verify)
        timings[verify] = (time.perf_counter() - start) / len(nets)
    print(f"{len(nets)} nets, mean residual width {sum(n.config.d_model for n in nets) / len(nets):.0f}")
    print(f"scramble (all default kinds)   {timings[False] * 1e3:7.2f} ms/net   x{timings[False] / compile_time:.2f} "
          f"of compiling ({compile_time * 1e3:.2f} ms/net)")
    print(f"  with verification            {timings[True] * 1e3:7.2f} ms/net   x{timings[True] / compile_time:.2f}")


if __name__ == "__main__":
    main()
