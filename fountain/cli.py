"""The `fountain` command line: one thin subcommand per stage, each calling the library."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

_INT = re.compile(r"[+-]?\d+\Z")


def read_source(path: str) -> str:
    """Program text from a file, or from standard input for `-`."""
    if path == "-":
        return sys.stdin.read()
    file = Path(path)
    if not file.is_file():
        raise SystemExit(f"error: no program file {path!r}")
    return file.read_text(encoding="utf-8")


def parse_input(text: str) -> list:
    """Whitespace-separated tokens; those that look like integers are integers."""
    return [int(t) if _INT.match(t) else t for t in text.split()]


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
    from compiler.printer import format_program

    for path in args.programs:
        program = _parse_or_exit(path)
        if args.tokens:
            from compiler.tokenizer import tokenize
            print(" ".join(tokenize(compiler.to_source(program))))
        else:
            sys.stdout.write(format_program(program, keep_names=args.keep_names))


def cmd_run(args) -> None:
    """Evaluates a program on inputs with tracr's RASP semantics."""
    import compiler

    program = _parse_or_exit(args.program)
    for text in args.input:
        try:
            print(format_output(compiler.evaluate(program, parse_input(text))))
        except (compiler.EvaluationError, ValueError, TypeError) as error:
            raise SystemExit(f"error: running {args.program} on {text!r}: {error}")


def cmd_demo(args) -> None:
    from fountain.demo import run_demo

    if not run_demo(out=sys.stdout):
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fountain", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="check programs and print them in canonical form")
    p.add_argument("programs", nargs="+", metavar="PROGRAM", help="program file, or - for stdin")
    p.add_argument("--keep-names", action="store_true", help="keep the program's own variable names")
    p.add_argument("--tokens", action="store_true", help="print the interpreter's tokens instead")
    p.set_defaults(handler=cmd_parse)

    p = sub.add_parser("run", help="evaluate a program on inputs (reference RASP semantics)")
    p.add_argument("program", metavar="PROGRAM", help="program file, or - for stdin")
    p.add_argument("--input", "-i", action="append", required=True,
                   help='input tokens separated by spaces, e.g. "1 2 3" (repeatable)')
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("demo", help="the end-to-end path on a laptop CPU")
    p.set_defaults(handler=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    from absl import logging  # tracr warns through absl about programs that are fine

    logging.set_verbosity(logging.ERROR)
    args.handler(args)


if __name__ == "__main__":
    main()
