"""The RASP source language and its compilation to transformer weights.

    prog = compiler.parse(text)            # -> Program; SourceError(.line, .column) on bad text
    prog.sop                               # the tracr SOp it denotes
    compiler.to_source(prog_or_sop, vocab=None, max_seq_len=None) -> canonical text
    compiler.evaluate(prog, ["a", "b"])    # reference semantics (tracr's RASP evaluator)
"""

from compiler.errors import CompileError, SourceError
from compiler.functions import EvaluationError
from compiler.parser import parse
from compiler.printer import to_source
from compiler.program import Program, evaluate
from compiler.tracr_import import from_sop

__all__ = ["CompileError", "EvaluationError", "Program", "SourceError", "evaluate", "from_sop", "parse",
           "to_source"]
