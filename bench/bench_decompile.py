"""Benchmark of verified decompilation: seconds per net against weights-only decoding.

Anchor, measured in the same run: the interpreter's weights-only decoding of the same nets
(`decompile(..., run_net=False)`: encode, beam search, one certificate) with a model of the
project's CPU size (`interpreter.BUDGET_CONFIG`; weights from `--checkpoint`, else freshly
initialised: decoding costs the same either way). Verified decoding is timed with the model's
proposals (`--checkpoint`) or, without one, with uniform proposals.

    python bench/bench_decompile.py [--programs 30] [--max-ops 8] [--checkpoint RUN] [--seed 0]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from absl import logging
from threadpoolctl import threadpool_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=30)
    parser.add_argument("--max-ops", type=int, default=8)
    parser.add_argument("--checkpoint", help="an interpreter run directory or checkpoint")
    parser.add_argument("--time-budget", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")
    torch.set_num_threads(1)
    logging.set_verbosity(logging.ERROR)

    import compiler
    import generator
    import interpreter
    from interpreter.model import Interpreter

    vocab = (1, 2, 3, 4, 5)
    programs = generator.sample_programs(args.programs, seed=args.seed, vocab=vocab, max_seq_len=5,
                                         max_ops=args.max_ops)
    nets = [compiler.compile_program(p, set(vocab), 5) for p in programs]
    nets = [compiler.scramble(net, seed=args.seed) if i % 2 else net for i, net in enumerate(nets)]
    if args.checkpoint:
        model, proposals = interpreter.load_model(args.checkpoint), "model"
    else:
        torch.manual_seed(args.seed)
        model, proposals = Interpreter(interpreter.BUDGET_CONFIG.model).eval(), "uniform"

    def timed(**kwargs) -> tuple[list[float], int]:
        seconds, verified = [], 0
        for net in nets:
            start = time.perf_counter()
            result = interpreter.decompile(net, model if kwargs.get("proposals", "model") == "model" else None,
                                           **kwargs)
            seconds.append(time.perf_counter() - start)
            verified += result.verified
        return seconds, verified

    anchor, anchor_verified = timed(run_net=False)
    search, verified = timed(proposals=proposals, time_budget=args.time_budget)
    mean_anchor = statistics.fmean(anchor)
    print(f"{len(nets)} nets of 1-{args.max_ops} ops (half scrambled), vocab 1..5, length <= 5, one CPU thread")
    print(f"weights-only decoding              {mean_anchor:7.3f} s/net (median {statistics.median(anchor):.3f}), "
          f"{anchor_verified} verified")
    print(f"verified decoding ({proposals} proposals) {statistics.fmean(search):7.3f} s/net "
          f"(median {statistics.median(search):.3f}, max {max(search):.2f})   "
          f"x{statistics.fmean(search) / mean_anchor:.2f} "
          f"of weights-only; {verified} verified")


if __name__ == "__main__":
    main()
