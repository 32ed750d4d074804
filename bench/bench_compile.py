"""Benchmarks compile_sop against tracr's compile_rasp_to_model, and Net.run against tracr.

Everything is timed in the same run, and reported as ratios to stock tracr:
  compile  compile_sop vs compile_rasp_to_model on tracr's TEST_CASES programs;
  run      Net.run (numpy, batched) vs tracr's model.apply (one sequence per call, as shipped)
           and vs tracr's forward under jax.jit on the whole batch, on 1/100/1000 inputs.

    python bench/bench_compile.py [--programs N] [--inputs 1,100,1000]
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time

import jax
import jax.numpy as jnp
from tracr.compiler import compiling, lib, test_cases
from tracr.rasp import rasp

from compiler.compile import compile_sop


def timed(fn, repeat: int = 1) -> float:
    """Best wall time of `repeat` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_compile(cases: list[dict]) -> None:
    # the first tracr compile pays for jax's start-up; keep it out of the mean
    first = cases[0]
    compiling.compile_rasp_to_model(first["program"], first["vocab"], first["max_seq_len"],
                                    compiler_bos="BOS")
    ours, theirs = [], []
    for case in cases:
        args = (case["program"], case["vocab"], case["max_seq_len"])
        ours.append(timed(lambda: compile_sop(*args), repeat=3))
        exactness = compile_sop(*args).provenance["mlp_exactness"]
        theirs.append(timed(lambda: compiling.compile_rasp_to_model(
            *args, compiler_bos="BOS", compiler_pad="PAD", mlp_exactness=exactness)))
    mean_ours, mean_theirs = statistics.mean(ours), statistics.mean(theirs)
    print(f"compile ({len(cases)} programs)  ours {mean_ours * 1e3:8.2f} ms/program   "
          f"tracr {mean_theirs * 1e3:8.1f} ms/program   speed-up x{mean_theirs / mean_ours:,.0f}")


def bench_run(name: str, program: rasp.SOp, vocab: set, max_seq_len: int,
              sizes: list[int]) -> None:
    net = compile_sop(program, vocab, max_seq_len)
    model = compiling.compile_rasp_to_model(
        program, vocab, max_seq_len, compiler_bos="BOS", compiler_pad="PAD",
        mlp_exactness=net.provenance["mlp_exactness"])
    encode = model.input_encoder.encode
    forward = jax.jit(model.forward)
    rng = random.Random(0)
    tokens = sorted(vocab, key=repr)
    for size in sizes:
        # full-length inputs, so tracr's unmasked forward needs no padding
        batch = [[rng.choice(tokens) for _ in range(max_seq_len)] for _ in range(size)]
        ids = jnp.array([encode(["BOS"] + seq) for seq in batch])
        forward(model.params, ids).unembedded_output.block_until_ready()  # compile
        ours = timed(lambda: net.run(batch), repeat=3)
        jitted = timed(lambda: forward(model.params, ids).unembedded_output.block_until_ready(),
                       repeat=3)
        model.apply(["BOS"] + batch[0])  # jax compiles apply's ops on first use
        apply_sample = batch[:min(size, 20)]  # apply is slow; time a sample and scale up
        applied = timed(lambda: [model.apply(["BOS"] + seq) for seq in apply_sample])
        applied *= size / len(apply_sample)
        print(f"run {name:>10} x{size:<5} ours {ours * 1e3:9.2f} ms   "
              f"tracr apply {applied * 1e3:10.1f} ms (x{applied / ours:,.0f})   "
              f"tracr jit batch {jitted * 1e3:8.2f} ms (x{jitted / ours:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=0,
                        help="how many TEST_CASES programs to compile (0: all)")
    parser.add_argument("--inputs", default="1,100,1000",
                        help="comma-separated batch sizes for the run benchmark")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # tracr warns about SequenceMaps of one SOp
    cases = test_cases.TEST_CASES[:args.programs or None]
    bench_compile(cases)
    sizes = [int(size) for size in args.inputs.split(",")]
    bench_run("reverse", lib.make_reverse(rasp.tokens), {"a", "b", "c"}, 8, sizes)
    bench_run("sort", lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=8, min_key=1),
              {1, 2, 3, 4}, 8, sizes)
    bench_run("frac_prevs", lib.make_frac_prevs(rasp.tokens == "a"), {"a", "b"}, 8, sizes)


if __name__ == "__main__":
    main()
