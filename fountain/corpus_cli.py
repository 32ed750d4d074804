"""`fountain corpus build | info | verify`: thin commands over generator.corpus."""

from __future__ import annotations

import argparse
import sys
import time


def _fraction(text: str) -> float:
    """--deep's optional value: a fraction in (0, 1], with a hint when it swallowed the directory."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction; --deep takes an optional one, so put the "
                                         "corpus directory first: fountain corpus verify DIR --deep [FRACTION]")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{value:g} is not a fraction in (0, 1]")
    return value


def add_corpus_parser(sub) -> None:
    """Registers `corpus` and its three subcommands on the top-level subparsers."""
    corpus = sub.add_parser("corpus", help="build, describe and verify corpora of (program, network) rows")
    commands = corpus.add_subparsers(dest="corpus_command", required=True, metavar="COMMAND")

    p = commands.add_parser("build", help="build (or resume) a corpus from a recipe",
                            description="Builds the corpus of RECIPE into DIR as Parquet shards. Run the same "
                                        "command again after an interruption to finish it.")
    p.add_argument("recipe", metavar="RECIPE",
                   help="a recipe .toml, or a name from datasets/ (tiny, small, medium, large)")
    p.add_argument("-o", "--output", "--out", dest="out", required=True, metavar="DIR",
                   help="the corpus directory (new, empty, or this recipe's unfinished build)")
    p.add_argument("--workers", "-j", type=_count, metavar="N",
                   help="worker processes (default: one per core; 0 = in this process)")
    p.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster instead: 'auto', 'host:port', "
                                                    "'ray://host:10001', or 'local' for a new local instance")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_build)

    p = commands.add_parser("info", help="counts, sizes, network shapes and recipe of a corpus")
    p.add_argument("directory", metavar="DIR", help="a corpus directory (fountain corpus build)")
    p.set_defaults(handler=cmd_info)

    p = commands.add_parser("verify", help="check checksums, counts and every row; names what is wrong")
    p.add_argument("directory", metavar="DIR", help="a corpus directory (fountain corpus build)")
    p.add_argument("--deep", nargs="?", const=0.05, default=0.0, type=_fraction, metavar="FRACTION",
                   help="also run this fraction of the networks against their programs (default 0.05 when "
                        "given; 1 checks them all)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_verify)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def cmd_build(args) -> None:
    from generator.corpus import build_corpus
    from generator.corpus_format import CorpusError
    from generator.recipes import RecipeError, load_recipe

    start = time.perf_counter()
    try:
        recipe = load_recipe(args.recipe)
        manifest = build_corpus(recipe, args.out, workers=args.workers, ray_address=args.ray,
                                progress=not args.quiet)
    except (RecipeError, CorpusError) as error:
        raise SystemExit(f"error: {error}")
    except OSError as error:  # the output directory cannot be made or written
        raise SystemExit(f"error: cannot build the corpus in {args.out}: {error.strerror or error} "
                         f"({error.filename or args.out})")
    seconds = time.perf_counter() - start
    splits = " / ".join(f"{s} {t['programs']}" for s, t in manifest["splits"].items())
    print(f"wrote {args.out}: {manifest['rows']} rows, {manifest['programs']} programs ({splits}), "
          f"{len(manifest['shards'])} shards, {manifest['bytes'] / 2**20:.1f} MiB in {seconds:.1f} s")


def cmd_info(args) -> None:
    from generator.corpus_check import describe_corpus
    from generator.corpus_format import CorpusError
    from generator.recipes import RecipeError

    try:
        print(describe_corpus(args.directory))
    except (CorpusError, RecipeError) as error:
        raise SystemExit(f"error: {error}")


def cmd_verify(args) -> None:
    from generator.corpus_check import verify_corpus

    if not 0 <= args.deep <= 1:
        raise SystemExit(f"error: --deep takes a fraction in [0, 1], not {args.deep}")
    report = verify_corpus(args.directory, progress=not args.quiet, deep=args.deep)
    print(report.format(), file=sys.stdout if report.ok else sys.stderr)
    if not report.ok:
        raise SystemExit(1)
