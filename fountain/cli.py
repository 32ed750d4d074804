"""The `fountain` command line: one thin subcommand per stage, each calling the library."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from fountain.common import load_net_or_exit, output_file, parse_input, save_net
from fountain.net_cli import cmd_export, cmd_import, cmd_show

#: The largest program text read (a table of every value of a wide domain fits many times over).
MAX_PROGRAM_BYTES = 16 * 2**20


def read_source(path: str) -> str:
    """Program text from a file, or from standard input for `-`."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_PROGRAM_BYTES + 1)
    else:
        file = Path(path)
        if file.is_dir():
            raise SystemExit(f"error: {path} is a directory; give a program file")
        if not file.exists():
            raise SystemExit(f"error: no program file {path!r}")
        with open(file, "rb") as f:
            data = f.read(MAX_PROGRAM_BYTES + 1)
    if len(data) > MAX_PROGRAM_BYTES:
        raise SystemExit(f"error: {path}: over {MAX_PROGRAM_BYTES // 2**20} MiB; "
                         "a program is text of at most that size")
    if _looks_like_safetensors(data):
        raise SystemExit(f"error: {path}: a network (safetensors) where a program is expected; "
                         "`fountain run`, `show` and `decompile` read networks")
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark (some Windows editors write one)
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise SystemExit(f"error: {path}: line {line}, column {column}: byte 0x{data[error.start]:02x} is not "
                         "UTF-8; save the program as UTF-8 text") from None


def _looks_like_safetensors(data: bytes) -> bool:
    """A safetensors file: an 8-byte little-endian header length, then a JSON object that long."""
    if len(data) < 10:
        return False
    size = int.from_bytes(data[:8], "little")
    return 2 <= size <= len(data) - 8 and data[8:9] == b"{" and data[8 + size - 1:8 + size] == b"}"


def format_output(values: list) -> str:
    return " ".join(_format_value(v) for v in values)


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _parse_or_exit(path: str):
    import compiler

    text = read_source(path)
    try:
        return compiler.parse(text)
    except compiler.SourceError as error:
        raise SystemExit(format_source_error(path, error))


def format_source_error(path: str, error) -> str:
    """`path:line:column: message` and the excerpt, as compilers print it."""
    where = f"{path}:{error.line}:{error.column}" if error.line else path
    return f"{where}: error: {error.message}" + (f"\n{error.excerpt}" if error.excerpt else "")


def cmd_parse(args) -> None:
    """Checks programs and prints each canonically (or with its own names)."""
    import compiler
    from compiler.language.printer import format_program

    for path in args.programs:
        program = _parse_or_exit(path)
        if args.tokens:
            from compiler.language.tokenizer import tokenize
            print(" ".join(tokenize(compiler.to_source(program))))
        else:
            sys.stdout.write(format_program(program, keep_names=args.keep_names))


def _is_net(path: str) -> bool:
    return path.endswith(".safetensors")


def _compile_or_exit(program, args, notes: list[str] | None = None):
    import compiler

    try:
        return compiler.compile_program(program, vocab=set(parse_input(args.vocab)), max_seq_len=args.max_seq_len,
                                        causal=getattr(args, "causal", False), compiler_bos=args.bos,
                                        compiler_pad=args.pad, notes=notes)
    except compiler.CompileError as error:
        raise SystemExit(f"error: cannot compile {args.program}: {error}")


def cmd_run(args) -> None:
    """Runs a network (`.safetensors`) or evaluates a program (RASP semantics) on inputs."""
    import compiler

    if _is_net(args.program):
        net = load_net_or_exit(args.program)
        if args.causal and not net.config.causal:
            raise SystemExit(f"error: --causal: {args.program} was compiled without causal=True, so each position "
                             "sees the whole input; drop --causal, or compile the program with --causal")
        backend = "torch" if args.device is not None and args.backend == "auto" else args.backend
        if args.device is not None and backend != "torch":
            raise SystemExit(f"error: --device runs the net in torch; the {backend} backend runs on the CPU: "
                             "drop --backend or give --backend torch")
        try:
            outputs = net.run([parse_input(text) for text in args.input], backend=backend, device=args.device)
        except (ValueError, ModuleNotFoundError) as error:
            raise SystemExit(f"error: running {args.program}: {error}")
        for output in outputs:
            print(format_output(output))
        return
    if args.causal:
        from compiler.compiling.check import reference_outputs
    program = _parse_or_exit(args.program)
    for text in args.input:
        try:
            xs = parse_input(text)
            print(format_output(reference_outputs(program, xs, causal=True) if args.causal
                                else compiler.evaluate(program, xs)))
        except (compiler.EvaluationError, ValueError, TypeError) as error:
            raise SystemExit(f"error: running {args.program} on {text!r}: {error}")


def cmd_compile(args) -> None:
    """Compiles a program to a network file."""
    output_file(args.output, args.program)
    notes: list[str] = []
    net = _compile_or_exit(_parse_or_exit(args.program), args, notes)
    save_net(net, args.output)
    config = net.config
    print(f"wrote {args.output}: {config.n_layers} layers, {config.n_heads} heads, "
          f"residual width {config.d_model}, MLP width {config.d_mlp}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def cmd_check(args) -> None:
    """Checks that the compiled network computes what the program computes."""
    import compiler
    from compiler.compiling.check import check_net

    program = _parse_or_exit(args.program)
    net = _compile_or_exit(program, args)
    try:
        result = check_net(program, net, examples=args.inputs, seed=args.seed)
    except compiler.UndefinedError as error:
        raise SystemExit(f"error: the program has no output to compare: {error}")
    how = "every input" if result.exhaustive else f"{result.inputs} random and searched inputs"
    if result.ok:
        print(f"ok: the network agrees with the program on {how} (lengths 1..{args.max_seq_len})")
        return
    raise SystemExit(f"FAILED: the network disagrees with the program; smallest input found:\n"
                     f"{result.counterexample.format()}")


def cmd_scramble(args) -> None:
    """Writes a function-preserving reparametrisation of a network."""
    import compiler

    output_file(args.output, args.net)
    net = load_net_or_exit(args.net)
    kinds = args.kinds.split(",") if args.kinds else None
    try:
        scrambled = compiler.scramble(net, seed=args.seed, kinds=kinds)
    except ValueError as error:  # an unknown kind, or a ScrambleError
        raise SystemExit(f"error: {error}")
    save_net(scrambled, args.output)
    print(f"wrote {args.output}: {', '.join(scrambled.provenance['scramble']['kinds'])} (seed {args.seed}); "
          "outputs checked equal to the original's")


def cmd_retrain(args) -> None:
    """Trains a network to imitate a program (or compresses a compiled one) and writes it."""
    import compiler

    output_file(args.output, args.source)
    if _is_net(args.source):
        if args.vocab or args.max_seq_len:
            raise SystemExit("error: --vocab and --max-seq-len come from the network; give them "
                             "only with a program file")
        source, where = load_net_or_exit(args.source), {}
    else:
        if not (args.vocab and args.max_seq_len):
            raise SystemExit("error: a program file needs --vocab and --max-seq-len "
                             "(or give a compiled .safetensors network)")
        source = _parse_or_exit(args.source)
        where = {"vocab": set(parse_input(args.vocab)), "max_seq_len": args.max_seq_len}
    options = {"max_steps": args.max_steps, "time_budget": args.time_budget,
               "target_fidelity": args.target, "device": args.device}
    started = time.perf_counter()
    try:
        if args.compress:
            if args.d_model is None:
                raise SystemExit("error: --compress needs --d-model (the compressed width)")
            if where:
                source = compiler.compile_program(source, **where)
            net = compiler.compress(source, args.d_model, seed=args.seed, progress=True, **options)
            record = net.provenance["compress"]
        else:
            net = compiler.retrain(source, seed=args.seed, d_model=args.d_model,
                                   residual_weight=args.residual_weight, progress=True, **where, **options)
            record = net.provenance["retrain"]
    except ValueError as error:  # CompileError, a net that is not compiled, a bad option
        raise SystemExit(f"error: {error}")
    save_net(net, args.output)
    verdict = "reached" if record["reached_target"] else "did NOT reach"
    print(f"wrote {args.output}: {net.provenance['variant']}, residual width {net.config.d_model}; "
          f"held-out fidelity {record['fidelity']:.1%} ({verdict} {record['target_fidelity']:.0%}) "
          f"after {record['steps']} steps, {time.perf_counter() - started:.1f} s (seed {args.seed})")


def cmd_sample(args) -> None:
    """Prints `-n` programs from the fountain, optionally with statistics and plots."""
    import json

    if args.plot:
        output_file(args.plot)

    import generator
    from generator import stats

    config = json.loads(Path(args.config).read_text()) if args.config else {}
    for field in ("max_seq_len", "min_ops", "max_ops"):
        if getattr(args, field) is not None:
            config[field] = getattr(args, field)
    if args.vocab:
        config["vocab"] = parse_input(args.vocab)
    if args.no_check:
        config["check"] = False
    if args.unique_behaviour:
        config["unique_behaviour"] = True
    try:
        config = generator.GeneratorConfig.from_dict(config)
        programs, report = generator.sample(args.n, seed=args.seed, config=config)
    except (ValueError, RuntimeError) as error:
        raise SystemExit(f"error: {error}")
    for i, program in enumerate(programs):
        print(f"# program {i + 1} of {len(programs)} (seed {args.seed})\n{program.source}")
    if args.stats or args.plot:
        import compiler

        rows = [stats.program_stats(p, compiler.compile_program(p, vocab=set(config.vocab),
                                                                max_seq_len=config.max_seq_len)
                                    if config.check else None) for p in programs]
        if args.stats:
            print(report.format() + "\n\n" + stats.summarize(rows))
        if args.plot:
            print(f"wrote {stats.plot(rows, args.plot)}")


def cmd_demo(args) -> None:
    from fountain.demo import run_demo
    from generator.corpus_format import CorpusError
    from generator.recipes import RecipeError, load_recipe

    try:
        load_recipe(args.recipe)  # a bad --recipe fails now, not after the first steps
        passed = run_demo(out=sys.stdout, workdir=args.dir, recipe=args.recipe,
                          train_seconds=args.train_seconds, retrained=args.retrained, verified=args.verified)
    except (RecipeError, CorpusError) as error:
        raise SystemExit(f"error: fountain demo: {error}")
    if not passed:
        raise SystemExit(1)


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a flag's default where it has one: not for required flags, store_true switches
    (off unless given) or flags whose default is None (their help says what happens without)."""

    def _get_help_string(self, action):
        if action.required or action.default in (None, False) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its --help shows every flag's default (and so do its own commands')."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    from fountain import __version__

    parser = argparse.ArgumentParser(prog="fountain", description=__doc__)
    parser.add_argument("--version", action="version", version=f"rasp-fountain {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser)

    p = sub.add_parser("parse", help="check programs and print them in canonical form")
    p.add_argument("programs", nargs="+", metavar="PROGRAM", help="program file, or - for stdin")
    p.add_argument("--keep-names", action="store_true", help="keep the program's own variable names")
    p.add_argument("--tokens", action="store_true", help="print the interpreter's tokens instead")
    p.set_defaults(handler=cmd_parse)

    p = sub.add_parser("run", help="run a network, or evaluate a program (reference RASP semantics)")
    p.add_argument("program", metavar="PROGRAM|NET", help="program file (- for stdin) or a .safetensors network")
    p.add_argument("--input", "-i", action="append", required=True,
                   help='input tokens separated by spaces, e.g. "1 2 3" (repeatable)')
    p.add_argument("--backend", choices=["auto", "kernel", "numpy", "torch"], default="auto",
                   help="a network's executor: auto (the sparse kernel for compiled nets, numpy for dense ones), "
                        "kernel, numpy or torch")
    p.add_argument("--device", default=None, help="run the net in torch on this device, e.g. cuda (implies "
                   "--backend torch)")
    p.add_argument("--causal", action="store_true",
                   help="a program's outputs as a causal net computes them: position i sees only the tokens up to i "
                        "(a causal net does so already)")
    p.set_defaults(handler=cmd_run)

    def compile_options(p):
        p.add_argument("program", metavar="PROGRAM", help="program file, or - for stdin")
        p.add_argument("--vocab", required=True, help='input tokens separated by spaces, e.g. "1 2 3"')
        p.add_argument("--max-seq-len", type=int, required=True, help="longest input the network takes")
        p.add_argument("--causal", action="store_true", help="causal attention (outputs on each prefix)")
        p.add_argument("--bos", default="BOS", help="the net's beginning-of-sequence token, named apart from the "
                                                    "vocabulary (default: %(default)s)")
        p.add_argument("--pad", default="PAD", help="the net's padding token, named apart from the vocabulary "
                                                    "(default: %(default)s)")

    p = sub.add_parser("compile", help="compile a program to a network (.safetensors)")
    compile_options(p)
    p.add_argument("-o", "--output", required=True, help="where to write the network")
    p.set_defaults(handler=cmd_compile)

    p = sub.add_parser("check", help="check the compiled network against the program; shrink failures")
    compile_options(p)
    p.add_argument("--inputs", "--examples", dest="inputs", type=int, default=500, metavar="N",
                   help="random inputs when not every input is tried (as `compare --inputs`; --examples is "
                        "the older spelling)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs and the search")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("scramble", help="reparametrise a network without changing what it computes")
    p.add_argument("net", metavar="NET", help="a .safetensors network")
    p.add_argument("-o", "--output", required=True, help="where to write the scrambled network")
    p.add_argument("--seed", type=int, default=0, help="same seed, same scrambled weights")
    p.add_argument("--kinds", help="comma-separated, from: pad, permute_heads, mlp_neurons, qk, ov, rotate, "
                                   "permute_residual (default: all but pad)")
    p.set_defaults(handler=cmd_scramble)

    p = sub.add_parser("retrain", help="train a network to imitate a program, or compress a compiled one")
    p.add_argument("source", metavar="PROGRAM|NET", help="a program file (with --vocab, --max-seq-len) "
                                                         "or a compiled .safetensors network")
    p.add_argument("-o", "--output", required=True, help="where to write the trained network")
    p.add_argument("--vocab", help='input tokens separated by spaces (with a program file)')
    p.add_argument("--max-seq-len", type=int, help="with a program file")
    p.add_argument("--seed", type=int, default=0, help="same seed, same trained weights (on the CPU)")
    p.add_argument("--d-model", type=int, help="residual width (default: the compiled net's)")
    p.add_argument("--compress", action="store_true",
                   help="tracr's compression: freeze the compiled weights, learn a projection to --d-model")
    p.add_argument("--residual-weight", type=float, default=0.0,
                   help="also pull every residual stream towards the compiled net's (same width only)")
    p.add_argument("--max-steps", type=int, default=20_000, help="training steps at most")
    p.add_argument("--time-budget", type=float, help="seconds of training at most")
    p.add_argument("--target", type=float, default=0.99, help="stop at this held-out fidelity")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    p.set_defaults(handler=cmd_retrain)

    p = sub.add_parser("import", help="a TransformerLens model saved as files, as a network (.safetensors)",
                       description="MODEL is a HookedTransformer's state_dict saved with safetensors "
                                   "(safetensors.torch.save_file(model.state_dict(), ...)); CONFIG is a JSON object "
                                   "of its HookedTransformerConfig fields, which may also hold input_tokens and "
                                   "output_values (`fountain export` writes both). Architectures a network cannot "
                                   "hold (LayerNorm, GELU, an unembedding bias, ...) are refused, naming why.")
    p.add_argument("model", metavar="MODEL", help="the model's state_dict as a .safetensors file")
    p.add_argument("config", metavar="CONFIG", help="the model's config as a .json file")
    p.add_argument("--input-tokens", help='the token of each input id, separated by spaces, BOS among them, e.g. '
                                          '"BOS 1 2 3" (default: the config\'s input_tokens)')
    outputs = p.add_mutually_exclusive_group()
    outputs.add_argument("--output-values", help='the value of each output logit, e.g. "0 1 2" (default: the '
                                                 "config's output_values)")
    outputs.add_argument("--numerical", action="store_true", help="one numerical output (no output values)")
    p.add_argument("--bos", default="BOS", help="the beginning-of-sequence token among the input tokens")
    p.add_argument("--pad", default="compiler_pad", help="the padding token (added when not among the input tokens)")
    p.add_argument("--argmax", action="store_true",
                   help="a model not compiled by tracr: each output is its largest logit's value, never None "
                        "(by default a position whose logits are all below 0.5 reads None, tracr's encoding)")
    p.add_argument("-o", "--output", required=True, help="where to write the network")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help="a network as a TransformerLens model's files (needs transformer-lens)",
                       description="Writes the network's HookedTransformer state_dict (safetensors) and config "
                                   "(JSON, with input_tokens and output_values); `fountain import` reads them back.")
    p.add_argument("net", metavar="NET", help="a .safetensors network")
    p.add_argument("--model", required=True, metavar="MODEL", help="where to write the state_dict (.safetensors)")
    p.add_argument("--config", required=True, metavar="CONFIG", help="where to write the config (.json)")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("show", help="print a network's layers, shapes and residual stream")
    p.add_argument("net", metavar="NET", help="a .safetensors network")
    p.add_argument("--plot", metavar="PNG", help="write weight heatmaps (needs matplotlib)")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("sample", help="draw random programs that compile and match their networks")
    p.add_argument("-n", type=int, default=10, help="how many programs")
    p.add_argument("--seed", type=int, default=0, help="same seed, same programs, on any machine")
    p.add_argument("--config", help="generator config as JSON (fields of generator.GeneratorConfig)")
    p.add_argument("--vocab", help='tokens separated by spaces, e.g. "1 2 3" (default 1..5)')
    p.add_argument("--max-seq-len", type=int, help="longest input (default 5)")
    p.add_argument("--min-ops", type=int, help="fewest operations per program (default 1)")
    p.add_argument("--max-ops", type=int, help="most operations per program (default 6)")
    p.add_argument("--unique-behaviour", action="store_true", help="also no two programs alike on the probes")
    p.add_argument("--no-check", action="store_true", help="skip compiling and checking each program")
    p.add_argument("--stats", action="store_true", help="print rejections and the distribution of the sample")
    p.add_argument("--plot", metavar="PNG", help="write histograms of the sample (needs matplotlib)")
    p.set_defaults(handler=cmd_sample)

    from fountain.corpus_cli import add_corpus_parser

    add_corpus_parser(sub)

    from fountain.compare_cli import add_compare_parser

    add_compare_parser(sub)

    from fountain.interpreter_cli import add_interpreter_parsers

    add_interpreter_parsers(sub)

    p = sub.add_parser("demo", help="the whole pipeline end to end, about ten minutes on a laptop CPU")
    p.add_argument("--dir", default="fountain-demo", help="where the corpus and checkpoints go "
                                                          "(default ./fountain-demo; a rerun reuses the corpus)")
    p.add_argument("--recipe", default="small", help="corpus recipe (default small; tiny for a quick look)")
    p.add_argument("--time-budget", "--train-seconds", dest="train_seconds", type=float, default=300.0,
                   metavar="SECONDS", help="interpreter training budget (default 300; --train-seconds is the older "
                                           "spelling)")
    p.add_argument("--retrained", type=int, default=6, help="held-out programs to retrain from scratch (default 6)")
    p.add_argument("--verified", type=int, default=20,
                   help="held-out nets per variant to decompile with verification (default 20)")
    p.set_defaults(handler=cmd_demo)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A `SourceWarning` as one `warning:` line (with its excerpt), as errors print; others as Python does."""
    from compiler.errors import SourceWarning

    if issubclass(category, SourceWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    from absl import logging  # tracr warns through absl about programs that are fine
    from threadpoolctl import threadpool_limits

    logging.set_verbosity(logging.ERROR)
    warnings.showwarning = _show_warning
    # Compiled nets are small matrices: BLAS threads only add synchronisation (x7 slower
    # scramble verification on a loaded 2-core machine). Torch keeps its own threads.
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            args.handler(args)
        except BrokenPipeError:  # the output went to a reader that stopped (`fountain show NET | head`)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            raise SystemExit(1) from None


if __name__ == "__main__":
    main()
