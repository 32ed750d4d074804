"""Benchmark of corpus building: rows/s with 1 and 2 worker processes, and bytes per network.

Anchor, measured in the same run: the 1-worker build of the same recipe. Both builds include
starting their worker processes; both must give the same shard bytes (checked).

    python bench/bench_corpus.py [--recipe small] [--programs 512] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="small", help="recipe name or .toml (default: small)")
    parser.add_argument("--programs", type=int, default=512, help="programs to build (default 512; 0: the recipe's)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    from generator.corpus import build_corpus
    from generator.recipes import load_recipe

    recipe = load_recipe(args.recipe)
    if args.programs:
        recipe = dataclasses.replace(recipe, programs=args.programs)
    # Other work on the machine takes cores from the workers: say how busy it was.
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run")
    print(f"recipe {recipe.name}: {recipe.programs} programs, {recipe.rows} rows "
          f"({', '.join(f'{v} {n}' for v, n in recipe.variants.items() if n)}), units of {recipe.chunk_size}")
    rates, digests = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            out = Path(tmp) / f"w{workers}"
            start, cpu_start = time.perf_counter(), _cpu_seconds()
            manifest = build_corpus(recipe, out, workers=workers, progress=False)
            seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
            rates[workers] = manifest["rows"] / seconds
            digests[workers] = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((out / "data").iterdir())))
            # CPU time (this process and its finished workers) shows whether the workers got their cores.
            print(f"{workers} worker(s): {seconds:6.1f} s   {rates[workers]:6.1f} rows/s   "
                  f"{manifest['programs'] / seconds:6.1f} programs/s   "
                  f"{cpu / manifest['rows'] * 1e3:5.1f} CPU ms/row   "
                  f"{cpu / seconds:4.2f} cores busy")
        rows, stored, raw = manifest["rows"], manifest["bytes"], manifest["weights_bytes"]
        print(f"bytes per network: {stored / rows / 1024:.1f} KiB on disk (Parquet, zstd), "
              f"{raw / rows / 1024:.1f} KiB as safetensors (x{raw / stored:.1f})")
    anchor = args.workers[0]
    for workers in args.workers[1:]:
        print(f"{workers} workers vs {anchor}: x{rates[workers] / rates[anchor]:.2f} rows/s")
    same = len({d.hexdigest() for d in digests.values()}) == 1
    print(f"same shard bytes with every worker count: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


def _cpu_seconds() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


if __name__ == "__main__":
    main()
