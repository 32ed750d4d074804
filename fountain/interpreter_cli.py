"""`fountain train | eval | decompile | curves`: thin commands over the interpreter package."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

#: `fountain decompile --require-verified`'s exit status for an answer that is not verified (1 is an
#: error, 2 a usage error).
NOT_VERIFIED_STATUS = 3


def add_interpreter_parsers(sub) -> None:
    """Registers `train`, `eval`, `decompile` and `curves` on the top-level subparsers."""
    p = sub.add_parser("train", help="train an interpreter (network weights -> program source)",
                       description="Trains on the train split of a corpus, on programs generated while training "
                                   "runs (--fountain) or on programs drawn in memory (--programs), validating on "
                                   "the val split; writes checkpoints and metrics.csv to --output. Under torchrun, "
                                   "trains data-parallel on every process.")
    p.add_argument("--corpus", metavar="DIR", help="a corpus directory (fountain corpus build); with --fountain, "
                                                   "only its val split is used, to validate on")
    p.add_argument("--fountain", metavar="RECIPE",
                   help="train on fresh programs of this recipe (a name in datasets/ or a .toml), generated, "
                        "compiled, scrambled and encoded by worker processes while training runs; only programs "
                        "of the recipe's train split, never one twice; retrained variants are skipped")
    p.add_argument("--programs", type=int, metavar="N",
                   help="no corpus: draw N programs in memory, as --recipe's corpus would hold them")
    p.add_argument("--recipe", default="small", help="with --programs: the recipe whose programs and variants "
                                                    "to draw (a name in datasets/ or a .toml; default small)")
    memory = p.add_mutually_exclusive_group()
    memory.add_argument("--stream", action="store_true", default=None,
                        help="read the corpus window by window (bounded memory); the default for corpora of more "
                             "than 50,000 training rows")
    memory.add_argument("--in-memory", dest="stream", action="store_false",
                        help="encode the whole train split once and keep it in memory; the default for smaller "
                             "corpora")
    p.add_argument("--stream-buffer", type=int, default=4096, metavar="ROWS",
                   help="rows per streamed window (shuffled together, held in memory while in use; "
                        "default 4096)")
    p.add_argument("--workers", type=int, metavar="N", help="data worker processes for --stream and --fountain "
                                                            "(default: the cores left over; 0: none)")
    p.add_argument("--reuse", type=int, default=1, metavar="R",
                   help="with --fountain: train on each fresh net R times (for when generating is slower than "
                        "training; default 1)")
    p.add_argument("--distinct-encodings", action="store_true",
                   help="with --fountain: skip the variants the weight encoder reads as their compiled twin (the "
                        "circuit encoder: every scramble), and draw only programs the stream uses (none of another "
                        "split or too long to train on), so that the workers make new programs instead")
    p.add_argument("-o", "--output", "--out", dest="out", required=True, metavar="RUN",
                   help="run directory: checkpoints, metrics.csv")
    p.add_argument("--config", metavar="JSON", help="TrainConfig fields as JSON (model sizes under \"model\", "
                                                    "the weight encoder under \"model\": {\"encoder\": ...})")
    p.add_argument("--encoder", help="weight encoder: circuit (QK and OV circuits, blind to every scramble; the "
                                     "default), invariant (virtual weights) or baseline (flattened parameter pieces)")
    p.add_argument("--steps", type=int, help="training steps at most (default: the config's, 2000)")
    p.add_argument("--batch-size", type=int, help="nets per step (default: the config's, 32)")
    p.add_argument("--lr", type=float, help="peak learning rate, after warm-up (default: the config's, 1e-3)")
    p.add_argument("--seed", type=int, help="seed of the initialisation and the batches (default: the config's, 0)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--time-budget", type=float, metavar="SECONDS",
                        help="train for this much wall time (the learning rate decays over it; "
                             "the step budget still applies)")
    budget.add_argument("--minutes", type=float, help="the same budget in minutes (older spelling)")
    p.add_argument("--resume", action="store_true", help="continue from the run directory's latest checkpoint")
    p.add_argument("--schedule", choices=("continue", "restart"), default="continue",  # train.SCHEDULES
                   help="resumed with another budget: continue (the default; the learning rate decays on from "
                        "where the last leg ended) or restart (the cosine over the whole new budget)")
    p.add_argument("--device", help="torch device (default: this rank's GPU when there is one, else cpu)")
    p.add_argument("--threads", type=int, help="torch CPU threads (1 is fastest on a busy machine)")
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser("eval", help="score the interpreter on a corpus split: weights-only and verified decoding",
                       description="With a checkpoint (default: the one that ships with rasp-fountain): the "
                                   "model's weights-only decoding (exact, functional, per "
                                   "op and size), then verified decoding (`fountain decompile`) beside it. With "
                                   "--uniform: verified decoding with proposals drawn from the grammar (no model). "
                                   "--ablation runs both searches on the same nets.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="CORPUS, or CKPT CORPUS: a corpus directory, after a checkpoint or run directory "
                        "(or give --checkpoint; without one, the default checkpoint)")
    p.add_argument("--checkpoint", "-c", metavar="CKPT",
                   help="interpreter checkpoint or run directory (default: the shipped checkpoint)")
    p.add_argument("--uniform", action="store_true", help="verified decoding with no model (uniform proposals)")
    p.add_argument("--weights-only", action="store_true", help="only the model's weights-only report")
    p.add_argument("--ablation", action="store_true",
                   help="also run verified decoding with uniform proposals and report what the model adds")
    p.add_argument("--split", default="test", choices=("train", "val", "validation", "test"),
                   help="the split to score (validation is val, as Hugging Face names it)")
    p.add_argument("--beam", type=int, default=1, help="beam width of the weights-only report (1: greedy)")
    p.add_argument("--match", type=float, metavar="SECONDS",
                   help="weights-only report of `fountain decompile --weights-only`'s reading: the --beam beams "
                        "compiled, matched with each net's weights and edited for at most SECONDS per net (no "
                        "input is run through the net)")
    p.add_argument("--limit", type=int, help="at most this many nets per variant")
    p.add_argument("--variants", nargs="+", metavar="VARIANT", help="only these variants (compiled, scrambled, ...)")
    p.add_argument("--max-ops", type=int, metavar="N",
                   help="only programs of at most N operations (before --limit; tracr's lib programs are kept)")
    p.add_argument("--time-budget", type=float, default=10.0, metavar="SECONDS",
                   help="verified decoding's search budget per net")
    p.add_argument("--retrained", type=int, default=0, metavar="N",
                   help="verified decoding also of N held-out programs retrained from scratch (~7 s each)")
    p.add_argument("--examples", type=int, default=3, help="decoded programs to print beside their source")
    p.add_argument("--plot", metavar="PNG", help="write plots (needs matplotlib): weights-only decoding to PNG, "
                   "each verified search to PNG's name with -verified-<proposals> added")
    p.add_argument("--json", metavar="FILE", help="write every decoded program and its scores as JSON")
    p.add_argument("--no-tracr-lib", action="store_true",
                   help="skip tracr's lib.py programs (weights-only: the 11 that compile with the corpus's vocabulary; "
                        "verified: all 14, each with its own vocabulary)")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--device", help="torch device of the model (default: cuda when present, else cpu)")
    p.set_defaults(handler=cmd_eval)

    p = sub.add_parser("decompile", help="read a network back into program source, with a certificate",
                       description="The interpreter proposes program lines; running the network checks each one "
                                   "against the component that computes it; the answer's compiled net is compared "
                                   "with NET on every input up to max_seq_len (or a sample and a hypothesis search). "
                                   "Nets whose components do not each compute one line (retrained ones) are read "
                                   "from their behaviour and graded by agreement. "
                                   "Prints the program, then the certificate and each line's component as comments.")
    p.add_argument("net", metavar="NET", help="a .safetensors network")
    p.add_argument("--checkpoint", "-c", metavar="CKPT",
                   help="interpreter checkpoint or run directory (its latest); default: the checkpoint that "
                        "ships with rasp-fountain (interpreter/checkpoints/default)")
    p.add_argument("--weights-only", action="store_true",
                   help="the model's reading of the weights alone, still certified: its beams compiled and "
                        "matched with the net's weights, and edited while the match improves, for at most "
                        "--time-budget (no input is run through the net until the answer is certified)")
    p.add_argument("--uniform", action="store_true",
                   help="no model: proposals drawn uniformly from the grammar (the search and the net do the work)")
    p.add_argument("--beam", type=int, default=8, help="the model's beam width: how many programs it proposes")
    # interpreter.verified.DEFAULT_TIME_BUDGET (not imported here: the CLI parses before torch loads)
    p.add_argument("--time-budget", type=float, default=30.0, metavar="SECONDS",
                   help="search time budget (default 30; a verified answer returns as soon as it is found)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampled check inputs and uniform proposals")
    p.add_argument("--json", action="store_true", help="print the result and its certificate as JSON")
    p.add_argument("--device", help="torch device of the model (default: cuda when present, else cpu)")
    p.add_argument("--require-verified", action="store_true",
                   help="exit with status 3 when the answer is not verified (it is printed all the same), so "
                        "that a script can tell a proven program from a best guess")
    p.set_defaults(handler=cmd_decompile)
    add_curves_parser(sub)


def add_curves_parser(sub) -> None:
    p = sub.add_parser("curves", help="plot a training run's curves from its metrics.csv",
                       description="Train and validation loss, validation token accuracy and the learning rate "
                                   "of a `fountain train` run, against the step and the hours spent (needs "
                                   "matplotlib).")
    p.add_argument("run", metavar="RUN", help="a training run directory (fountain train --out)")
    p.add_argument("-o", "--output", metavar="PNG", help="where to write the plot (default: RUN/curves.png)")
    p.set_defaults(handler=cmd_curves)


def cmd_curves(args) -> None:
    from fountain.common import output_file
    from interpreter.metrics import METRICS_FILE, plot_metrics

    target = str(args.output or Path(args.run) / "curves.png")
    if (Path(args.run) / METRICS_FILE).is_file():  # else plot_metrics says what is missing
        output_file(target, str(Path(args.run) / METRICS_FILE))
    try:
        print(f"wrote {plot_metrics(args.run, target)}")
    except ValueError as error:
        raise SystemExit(f"error: {error}")
    except OSError as error:
        raise SystemExit(f"error: cannot write {target}: {error.strerror or error}")


def _threads(args) -> None:
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)


def train_config(args: argparse.Namespace):
    """The TrainConfig of `fountain train`'s options (a --config file, then single options)."""
    from interpreter.train import TrainConfig

    data = {}
    if args.config:
        try:
            data = json.loads(Path(args.config).read_text())
        except (OSError, ValueError) as error:
            raise SystemExit(f"error: --config {args.config}: {error}")
    try:
        config = TrainConfig.from_dict(data)
        overrides = {name: getattr(args, option) for name, option in
                     (("steps", "steps"), ("batch_size", "batch_size"), ("lr", "lr"), ("seed", "seed"))
                     if getattr(args, option) is not None}
        if args.lr is not None:
            overrides["min_lr"] = min(config.min_lr, args.lr)
        config = dataclasses.replace(config, **overrides)
        if args.encoder:
            encoder = dataclasses.replace(config.model.encoder, kind=args.encoder)
            config = dataclasses.replace(config, model=dataclasses.replace(config.model, encoder=encoder))
    except (TypeError, ValueError) as error:
        raise SystemExit(f"error: {error}")
    return config


def cmd_train(args) -> None:
    from generator.corpus_format import CorpusError
    from generator.recipes import RecipeError
    from interpreter.checkpoint import CheckpointError
    from interpreter.data import sample_examples
    from interpreter.fountain_stream import Fountain, distinct_variants, fountain_recipe
    from interpreter.train import train

    _threads(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SystemExit(f"error: --output {args.out}: a file is there; a training run is a directory")
    if not out.parent.is_dir():
        raise SystemExit(f"error: --output {args.out}: no directory {str(out.parent)!r} to make it in (create it "
                         "first)")
    config = train_config(args)
    if sum(x is not None for x in (args.corpus or args.fountain, args.programs)) != 1:
        raise SystemExit("error: give one of --corpus DIR, --fountain RECIPE (with an optional --corpus to validate "
                         "on) or --programs N")
    if args.corpus and not Path(args.corpus).is_dir():
        raise SystemExit(f"error: no corpus directory {args.corpus!r} (build one with `fountain corpus build`)")
    if args.fountain is None and args.reuse != 1:
        raise SystemExit("error: --reuse goes with --fountain")
    if args.fountain is None and args.distinct_encodings:
        raise SystemExit("error: --distinct-encodings goes with --fountain")
    try:
        if args.fountain:
            data = Fountain(args.fountain, reuse=args.reuse, val_corpus=args.corpus,
                            distinct_encodings=args.distinct_encodings)
            recipe, note = fountain_recipe(args.fountain)
            dropped = distinct_variants(recipe, config.model.encoder)[1]
            if dropped and not args.distinct_encodings:  # the workers spend most of their time on duplicates
                dropped = ("the circuit encoder reads each scrambled net as its compiled twin: --distinct-encodings "
                           "would skip the scrambles and make about 4x the distinct programs per worker second")
            for line in (note, dropped):
                if line:
                    print(f"note: {line}", file=sys.stderr)
        elif args.corpus:
            data = args.corpus
        else:
            data = sample_examples(args.programs, recipe=args.recipe, seed=config.seed)
        result = train(data, args.out, config, resume=args.resume,
                       time_budget=args.time_budget if args.minutes is None else 60 * args.minutes, stream=args.stream,
                       workers=args.workers, buffer_rows=args.stream_buffer, device=args.device,
                       schedule=args.schedule)
    except (CheckpointError, CorpusError, RecipeError, ValueError, RuntimeError) as error:
        raise SystemExit(f"error: {error}")
    last = next((row for row in reversed(result.metrics) if "loss" in row), {})
    last = {**last, **(result.metrics[-1] if result.metrics else {})}  # a run stopped by the clock ends with val
    left_out = f"; left out {dict(result.skipped)}" if result.skipped else ""
    val = f", val loss {last['val_loss']:.3f}, val token accuracy {last['val_token_accuracy']:.1%}" \
        if "val_token_accuracy" in last else ""
    nets = f"{result.train_examples} fresh nets" if args.fountain else f"{result.train_examples} nets"
    print(f"trained {result.step} steps on {nets} in {result.seconds:.0f} s{left_out}; "
          f"loss {last.get('loss', float('nan')):.3f}{val}\ncheckpoint {result.checkpoint}")


def cmd_eval(args) -> None:
    from compiler.files import write_atomically
    from compiler.progress import Progress
    from fountain.common import output_file
    from interpreter.checkpoint import CheckpointError
    from interpreter.evaluate import decompiler_examples, evaluate_decompiler, evaluate_model

    _threads(args)
    for target in (args.plot, args.json):  # before minutes of evaluation
        if target:
            output_file(target, *args.paths)
    if len(args.paths) > 2 or (len(args.paths) == 2 and args.checkpoint):
        raise SystemExit("error: give CORPUS, or CKPT CORPUS, or --checkpoint CKPT CORPUS")
    checkpoint, corpus = (args.paths if len(args.paths) == 2 else (args.checkpoint, args.paths[0]))
    if not Path(corpus).is_dir():
        raise SystemExit(f"error: no corpus directory {corpus!r}")
    if args.max_ops is not None and args.max_ops < 1:
        raise SystemExit(f"error: --max-ops takes a positive number of operations, not {args.max_ops}")
    if args.match is not None and not args.match > 0:
        raise SystemExit(f"error: --match takes a positive number of seconds per net, not {args.match}")
    if args.uniform and (checkpoint or args.weights_only or args.ablation or args.match):
        raise SystemExit("error: --uniform uses no model; drop the checkpoint, --weights-only, --ablation and --match")
    if not checkpoint and not args.uniform:
        from interpreter.checkpoint import default_checkpoint
        try:
            checkpoint = str(default_checkpoint())
        except CheckpointError as error:
            raise SystemExit(f"error: {error}")
    records: dict = {}
    try:
        if checkpoint:
            with Progress("weights-only: scoring", unit="net") as bar:
                report = evaluate_model(checkpoint, corpus, args.split, beam_size=args.beam, limit=args.limit,
                                        out_of_distribution=not args.no_tracr_lib, device=args.device,
                                        progress=bar.reach, match_seconds=args.match, variants=args.variants,
                                        max_ops=args.max_ops)
            print(report.format(examples=args.examples))
            records["weights_only"] = [dataclasses.asdict(o) for o in report.outcomes]
            if args.plot:
                print(f"wrote {report.plot(args.plot)}")
        searches = [] if args.weights_only else (["uniform"] if args.uniform else ["model"])
        if args.ablation:
            searches.append("uniform")
        reports = {}
        # the nets (retrained and scrambled ones included) are made once for every search
        nets = []
        if searches:
            with Progress("retraining nets", unit="net", enabled=args.retrained > 0) as bar:
                nets = decompiler_examples(corpus, args.split, limit=args.limit, variants=args.variants,
                                           max_ops=args.max_ops, retrained=args.retrained,
                                           out_of_distribution=not args.no_tracr_lib, progress=bar.reach)
        for proposals in searches:
            with Progress(f"decompiling ({proposals} proposals)", len(nets), unit="net") as bar:
                reports[proposals] = evaluate_decompiler(
                    nets, checkpoint, None, proposals=proposals, time_budget=args.time_budget,
                    out_of_distribution=False, device=args.device, progress=bar.reach)
            print("\n" + reports[proposals].format(examples=args.examples))
            if args.plot:
                plot = Path(args.plot)
                named = plot.with_name(f"{plot.stem}-verified-{proposals}{plot.suffix}")
                print(f"wrote {reports[proposals].plot(named)}")
            records[f"verified_{proposals}"] = [dataclasses.asdict(o) for o in reports[proposals].outcomes]
        if len(reports) == 2:
            print("\n" + ablation_summary(reports["model"], reports["uniform"]))
    except (CheckpointError, ValueError) as error:
        raise SystemExit(f"error: {error}")
    if args.json:
        text = json.dumps(records, indent=1) + "\n"
        try:
            print(f"wrote {write_atomically(args.json, text)}")
        except OSError as error:
            raise SystemExit(f"error: cannot write {args.json}: {error.strerror or error}")


def ablation_summary(model, uniform) -> str:
    """What the model's proposals add to the search: verified rate and time, per variant."""
    lines = ["ablation: the same search with the model's proposals and with uniform proposals"]
    by_variant = {r["variant"]: r for r in uniform.summary()}
    for row in model.summary():
        other = by_variant.get(row["variant"])
        if other is None:
            continue
        ratio = f"x{row['verified'] / other['verified']:.2f}" if other["verified"] else "no ratio: none without"
        lines.append(f"  {row['variant']}: verified {100 * row['verified']:.1f}% with the model, "
                     f"{100 * other['verified']:.1f}% without ({ratio}); median {row['median_seconds']:.2f} s "
                     f"against {other['median_seconds']:.2f} s; exact {100 * row['exact']:.1f}% against "
                     f"{100 * other['exact']:.1f}%")
    return "\n".join(lines)


def cmd_decompile(args) -> None:
    from compiler.nets.net import Net, NetFileError
    from interpreter.checkpoint import CheckpointError
    from interpreter.encoding import EncodingError
    from interpreter.verified import decompile

    if not Path(args.net).is_file():
        raise SystemExit(f"error: no network file {args.net!r}")
    if args.uniform and (args.checkpoint or args.weights_only):
        raise SystemExit("error: --uniform uses no model; drop --checkpoint and --weights-only")
    try:
        net = Net.load(args.net)
        result = decompile(net, args.checkpoint, run_net=not args.weights_only, time_budget=args.time_budget,
                           beam_size=args.beam, proposals="uniform" if args.uniform else "model", seed=args.seed,
                           device=args.device)
    except (NetFileError, CheckpointError, EncodingError, ValueError) as error:
        raise SystemExit(f"error: {error}")
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=1) + "\n")
    else:
        sys.stdout.write(result.format())
    if args.require_verified and not result.verified:
        sys.stdout.flush()
        sys.stderr.write("not verified (--require-verified): the program above is the best found, not a proven one\n")
        raise SystemExit(NOT_VERIFIED_STATUS)
