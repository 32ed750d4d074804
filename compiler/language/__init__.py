"""The RASP source language: text in, `Program` out, and back.

    literals.py                the literal values: canonical text, their one order, table keys
    grammar.lark, grammar.py   the syntax: lark's LALR parser, reserved words, syntax errors
    functions.py               the expression sub-language of maps and predicates (safe evaluator)
    nodes.py                   typed operations, checked against what tracr compiles
    printer.py                 canonical text: one operation per line, inputs first
    program.py                 `Program`: nodes + canonical text + tracr SOp; reference evaluation
    syntax.py                  the parser's first step: lark's tree -> unresolved program lines
    parser.py                  text -> `Program`, one `SourceError` (line, column) for anything wrong
    values.py                  the values each operation can take (tracr's rule, corrected for means)
    tracr_import.py            any tracr SOp -> `Program`; `to_source`
    tokenizer.py               canonical text <-> the interpreter's tokens

Imports flow down this list (literals, grammar and functions first); nothing here imports the
compiler, the nets or torch.
"""
