"""The RASP source language and its compilation to transformer weights.

    prog = compiler.parse(text)            # -> Program; SourceError(.line, .column) on bad text
    prog.sop                               # the tracr SOp it denotes
    compiler.to_source(prog_or_sop, vocab=None, max_seq_len=None) -> canonical text
    compiler.evaluate(prog, ["a", "b"])    # reference semantics (tracr's RASP evaluator); UndefinedError
    net = compiler.compile_program(prog, vocab={1, 2}, max_seq_len=5)   # -> Net; CompileError
    net.run([[1, 2]]); net.save(path); compiler.Net.load(path)
    compiler.scramble(net, seed=0); compiler.retrain(net, seed=0); compiler.compress(net, d_model=8)
"""

import importlib

from compiler.errors import CompileError, SourceError
from compiler.language.functions import EvaluationError
from compiler.language.parser import parse
from compiler.language.program import Program, UndefinedError, evaluate
from compiler.language.tracr_import import from_sop, to_source
from compiler.nets.config import NetConfig
from compiler.nets.importing import ModelImportError
from compiler.nets.net import Net, NetFileError, NetOverflowError
from compiler.variants.retraining import compress, retrain
from compiler.variants.scrambling import ScrambleError, scramble


def __getattr__(name: str):
    # Compiling needs tracr's compiler package, which imports jax and haiku (seconds, and threads
    # that make fork unsafe): loaded on first use, so that reading nets and corpora never loads it.
    if name in ("compile_program", "compile_sop"):
        return getattr(importlib.import_module("compiler.compiling.compile"), name)
    raise AttributeError(f"module 'compiler' has no attribute {name!r}")


__all__ = ["CompileError", "EvaluationError", "ModelImportError", "Net", "NetConfig", "NetFileError",
           "NetOverflowError", "Program", "SourceError", "ScrambleError", "UndefinedError", "compile_program",
           "compile_sop", "compress", "evaluate", "from_sop", "parse", "retrain", "scramble", "to_source"]
