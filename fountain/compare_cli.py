"""`fountain compare NET_A NET_B`: the command line of `compiler.variants.compare`."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_compare_parser(sub) -> None:
    """Registers the `compare` subcommand on `fountain`'s subparsers."""
    p = sub.add_parser("compare", help="how close two networks are: maps between their residual streams, CKA",
                       description="Runs both networks on the same inputs and, at every layer boundary, fits "
                                   "affine and MLP maps between their residual streams both ways; prints held-out "
                                   "R², the rank of each map and linear CKA.")
    p.add_argument("net_a", metavar="NET_A", help="a .safetensors network")
    p.add_argument("net_b", metavar="NET_B", help="a .safetensors network with the same vocab and max_seq_len")
    p.add_argument("--inputs", type=_at_least(2), metavar="N",
                   help="every input when there are at most N, else N random ones "
                        "(default: compiler.variants.compare.DEFAULT_SAMPLES)")
    p.add_argument("--seed", type=_at_least(0), default=0, help="inputs, train/held-out split and MLP maps")
    p.add_argument("--no-mlp", action="store_true", help="fit affine maps only (faster)")
    p.add_argument("--plot", metavar="PNG", help="write R² and CKA per layer boundary (needs matplotlib)")
    p.set_defaults(handler=cmd_compare)


def _at_least(smallest: int):
    """An argparse type: a whole number of at least `smallest`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = smallest - 1
        if value < smallest:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {smallest}")
        return value

    return parse


def cmd_compare(args) -> None:
    """Prints the comparison table; optionally plots it."""
    from compiler.variants.compare import DEFAULT_SAMPLES, CompareError, compare_nets, plot_comparison
    from fountain.common import load_net_or_exit

    net_a, net_b = load_net_or_exit(args.net_a), load_net_or_exit(args.net_b)
    if args.plot and not Path(args.plot).resolve().parent.is_dir():
        raise SystemExit(f"error: cannot write the plot {args.plot!r}: no such directory")
    try:
        comparison = compare_nets(net_a, net_b, samples=args.inputs or DEFAULT_SAMPLES, seed=args.seed,
                                  mlp=not args.no_mlp, names=(args.net_a, args.net_b))
    except CompareError as error:
        raise SystemExit(f"error: cannot compare {args.net_a} with {args.net_b}: {error}")
    print(comparison.format())
    if args.plot:
        print(f"wrote {plot_comparison(comparison, args.plot)}")
