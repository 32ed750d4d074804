"""Benchmarks compile_sop against tracr's compile_rasp_to_model, and Net.run against tracr.

Everything is timed in the same run, and reported as ratios to stock tracr:
  compile  compile_sop vs compile_rasp_to_model on tracr's TEST_CASES programs, each side in
           its own fresh process (start-up costs such as jax's first compilations count);
  run      Net.run (the default backend: the sparse kernel for these compiled nets; the dense
           numpy executor alongside) vs tracr's model.apply (one sequence per call, as shipped)
           and vs tracr's forward under jax.jit on the whole batch, with and without the time
           jax.jit takes to compile it, on 1/100/1000 inputs.

    python bench/bench_compile.py [--programs N] [--inputs 1,100,1000]
"""

from __future__ import annotations

import argparse
import logging
import random
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
from threadpoolctl import threadpool_limits
from tracr.compiler import compiling, lib, test_cases
from tracr.rasp import rasp

from compiler.compiling import craft_fast
from compiler.compiling.compile import compile_sop


def timed(fn, repeat: int = 1) -> float:
    """Best wall time of `repeat` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def timed_per_call(fn, seconds: float = 0.2) -> float:
    """Wall time per call of a fast function: calls repeated for `seconds`, best of 3 rounds
    (one call of a few microseconds is below the clock's resolution and the OS's noise)."""
    calls = max(1, int(seconds / max(timed(fn), 1e-7)))
    return min(timed(lambda: [fn() for _ in range(calls)]) / calls for _ in range(3))


def compile_side(side: str, cases: list[dict]) -> float:
    """Mean seconds per program for one side, in this (fresh) process."""
    total = 0.0
    for case in cases:
        args = (case["program"], case["vocab"], case["max_seq_len"])
        if side == "ours":
            begin = time.perf_counter()
            compile_sop(*args)
        else:
            exactness = compile_sop(*args).provenance["mlp_exactness"]  # the same nets; not timed
            with craft_fast.installed(False):  # stock tracr: none of our faster tracr functions
                begin = time.perf_counter()
                compiling.compile_rasp_to_model(*args, compiler_bos="BOS", compiler_pad="PAD",
                                                mlp_exactness=exactness)
        total += time.perf_counter() - begin
    return total / len(cases)


def bench_compile(programs: int) -> None:
    means = {}
    for side in ("ours", "tracr"):
        out = subprocess.run([sys.executable, __file__, "--compile-side", side, "--programs", str(programs)],
                             capture_output=True, text=True, check=True).stdout
        means[side] = float(out.strip().splitlines()[-1])
    print(f"compile ({programs or len(test_cases.TEST_CASES)} programs, fresh process each)  "
          f"ours {means['ours'] * 1e3:8.2f} ms/program   tracr {means['tracr'] * 1e3:8.1f} ms/program   "
          f"speed-up x{means['tracr'] / means['ours']:,.0f}")


def bench_run(name: str, program: rasp.SOp, vocab: set, max_seq_len: int,
              sizes: list[int]) -> None:
    net = compile_sop(program, vocab, max_seq_len)
    model = compiling.compile_rasp_to_model(
        program, vocab, max_seq_len, compiler_bos="BOS", compiler_pad="PAD",
        mlp_exactness=net.provenance["mlp_exactness"])
    encode = model.input_encoder.encode
    rng = random.Random(0)
    tokens = sorted(vocab, key=repr)
    for size in sizes:
        # full-length inputs, so tracr's unmasked forward needs no padding
        batch = [[rng.choice(tokens) for _ in range(max_seq_len)] for _ in range(size)]
        ids = jnp.array([encode(["BOS"] + seq) for seq in batch])
        forward = jax.jit(model.forward)  # a new jit per size: its compile time is part of its cost
        with_jit = timed(lambda: forward(model.params, ids).unembedded_output.block_until_ready())
        ours = timed_per_call(lambda: net.run(batch))
        dense = timed_per_call(lambda: net.run(batch, backend="numpy"))
        jitted = timed(lambda: forward(model.params, ids).unembedded_output.block_until_ready(),
                       repeat=3)
        model.apply(["BOS"] + batch[0])  # jax compiles apply's ops on first use
        apply_sample = batch[:min(size, 20)]  # apply is slow; time a sample and scale up
        applied = timed(lambda: [model.apply(["BOS"] + seq) for seq in apply_sample])
        applied *= size / len(apply_sample)
        print(f"run {name:>10} x{size:<5} ours {ours * 1e3:9.3f} ms (numpy {dense * 1e3:8.3f} ms)   "
              f"tracr apply {applied * 1e3:10.1f} ms (x{applied / ours:,.0f})   "
              f"tracr jit incl. compile {with_jit * 1e3:8.1f} ms (x{with_jit / ours:,.0f})   "
              f"jit warm {jitted * 1e3:8.2f} ms (x{jitted / ours:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=0,
                        help="how many TEST_CASES programs to compile (0: all)")
    parser.add_argument("--inputs", default="1,100,1000",
                        help="comma-separated batch sizes for the run benchmark")
    parser.add_argument("--compile-side", choices=["ours", "tracr"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")  # as the CLI: small matrices, see README
    logging.disable(logging.WARNING)  # tracr warns about SequenceMaps of one SOp
    if args.compile_side:
        print(compile_side(args.compile_side, test_cases.TEST_CASES[:args.programs or None]))
        return
    bench_compile(args.programs)
    sizes = [int(size) for size in args.inputs.split(",")]
    bench_run("reverse", lib.make_reverse(rasp.tokens), {"a", "b", "c"}, 8, sizes)
    bench_run("sort", lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=8, min_key=1),
              {1, 2, 3, 4}, 8, sizes)
    bench_run("frac_prevs", lib.make_frac_prevs(rasp.tokens == "a"), {"a", "b"}, 8, sizes)


if __name__ == "__main__":
    main()
