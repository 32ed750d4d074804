"""Benchmark of retraining: time per program to reach 99% held-out fidelity, CPU and GPU.

Anchor, measured in the same run: compiling the same programs (`compile_program`). On a machine
with CUDA the same programs are also retrained on the GPU and the CPU/GPU ratio is printed.

    python bench/bench_retrain.py [--programs 8] [--max-ops 5] [--max-steps 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import statistics
import time

from absl import logging
from threadpoolctl import threadpool_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=8)
    parser.add_argument("--max-ops", type=int, default=5)
    parser.add_argument("--max-steps", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")  # as the CLI: small matrices, see README
    logging.set_verbosity(logging.ERROR)

    import torch

    import compiler
    import generator

    config = generator.GeneratorConfig(max_ops=args.max_ops)
    programs = generator.sample_programs(args.programs, seed=args.seed, max_ops=args.max_ops)
    start = time.perf_counter()
    nets = [compiler.compile_program(p, vocab=set(config.vocab), max_seq_len=config.max_seq_len)
            for p in programs]
    compile_time = (time.perf_counter() - start) / len(nets)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    per_device = {}
    for device in devices:
        rows = []
        for net in nets:
            start = time.perf_counter()
            trained = compiler.retrain(net, seed=args.seed, max_steps=args.max_steps, device=device)
            record = trained.provenance["retrain"]
            rows.append((time.perf_counter() - start, record["steps"], record["fidelity"]))
        per_device[device] = rows
        seconds = [r[0] for r in rows]
        reached = sum(r[2] >= 0.99 for r in rows)
        name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
        print(f"{device} ({name}): {statistics.median(seconds):6.2f} s/program median, "
              f"{sum(seconds) / len(seconds):6.2f} mean, {statistics.median(r[1] for r in rows):.0f} "
              f"steps median; {reached}/{len(rows)} reached 99% held-out fidelity; "
              f"x{statistics.median(seconds) / compile_time:,.0f} of compiling "
              f"({compile_time * 1e3:.1f} ms/program)")
    if "cuda" in per_device:
        ratio = sum(r[0] for r in per_device["cpu"]) / sum(r[0] for r in per_device["cuda"])
        print(f"GPU speed-up over CPU: x{ratio:.2f}")
    print(f"{len(nets)} programs of up to {args.max_ops} ops, mean residual width "
          f"{sum(n.config.d_model for n in nets) / len(nets):.0f}, "
          f"mean layers {sum(n.config.n_layers for n in nets) / len(nets):.1f}")


if __name__ == "__main__":
    main()
