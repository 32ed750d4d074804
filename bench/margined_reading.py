"""Does the shipped model read nets with margined sequence_maps (or flat lookups) as well as tracr-built ones?

Compile margins a categorical sequence_map that reads a width, an aggregate or another such table
(`compiler.compiling.blocks`: ReLU(x + y - 1.25) * 4/3 per pair where tracr has ReLU(x + y - 1)).
The model was trained on nets built before that. This takes the first `--count` test-split
programs of the `mixed` recipe (units drawn in order; at most 8 lines, as `fountain eval
--max-ops 8` counts) whose nets have such a table, builds each net either way (`margined`: as
compile builds it now; `tracr`: with tracr's neurons, `tracr_neurons`) and scores
weights-only decoding on them (`evaluate_model`, 8 beams, 20 s of matching each): exact, same
weights, functional. `--kind flat` takes the programs with a categorical->numerical map compile
builds as a flat lookup instead (`flat_numerical_maps`). Run each build on its own core:

    python bench/margined_reading.py margined --json margined.json
    python bench/margined_reading.py tracr --json tracr.json
"""

from __future__ import annotations

import argparse
import json
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", choices=["margined", "tracr"])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--kind", choices=["margined", "flat"], default="margined",
                        help="the programs whose nets have margined tables, or flat lookups")
    parser.add_argument("--checkpoint", default="interpreter/checkpoints/default")
    parser.add_argument("--match-seconds", type=float, default=20.0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)

    import compiler
    from compiler.compiling.blocks import tracr_neurons
    from generator.recipes import load_recipe
    from generator.units import draw_unit, program_id, split_of
    from interpreter.data import Example
    from interpreter.evaluate import evaluate_model

    recipe = load_recipe("mixed")
    examples, tested, unit = [], 0, 0
    while len(examples) < args.count:
        domain, drawn, sampling = draw_unit(recipe, unit, recipe.chunk_size)
        unit += 1
        for program in drawn:
            pid = program_id(program.source)
            lines = sum(1 for line in program.source.splitlines() if not line.startswith("return"))
            if split_of(pid, recipe.splits, recipe.split_seed) != "test" or lines > 8:
                continue
            tested += 1
            net = sampling.nets[program.source]
            key = "margined_sequence_maps" if args.kind == "margined" else "flat_numerical_maps"
            if not net.provenance.get(key) or len(examples) == args.count:
                continue
            if args.build == "tracr":
                with tracr_neurons():
                    net = compiler.compile_program(program.source, set(domain.vocab), domain.max_seq_len)
                assert "margined_sequence_maps" not in net.provenance and "flat_numerical_maps" not in net.provenance
            examples.append(Example(net, program.source, "compiled", "test", pid))
    print(f"{unit} units: {tested} test programs of <= 8 operations, the first {len(examples)} with a "
          f"{'margined sequence_map' if args.kind == 'margined' else 'flat lookup'}, built {args.build}", flush=True)
    began = time.monotonic()
    report = evaluate_model(args.checkpoint, examples, split=None, beam_size=8, match_seconds=args.match_seconds,
                            out_of_distribution=False)
    outcomes = report.outcomes
    result = {"build": args.build, "kind": args.kind, "nets": len(outcomes), "exact": sum(o.exact for o in outcomes),
              "same_weights": sum(o.same_weights for o in outcomes), "functional": sum(o.functional for o in outcomes),
              "seconds": round(time.monotonic() - began, 1)}
    print(json.dumps(result))
    if args.json:
        result["programs"] = [[o.program_id, o.exact, o.same_weights, o.functional] for o in outcomes]
        with open(args.json, "w") as file:
            json.dump(result, file, indent=1)


if __name__ == "__main__":
    main()
