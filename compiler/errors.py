"""The two errors users see: bad source text, and programs the compiler refuses."""

from __future__ import annotations


class SourceError(ValueError):
    """Source text that is malformed or ill-typed.

    Carries where (1-based `line` and `column`, 0 when the error has no place
    in a text, e.g. a tracr program being imported), an `excerpt` of the line
    with a caret under the column, and the message saying what was expected.
    """

    def __init__(self, message: str, line: int = 0, column: int = 0, excerpt: str = ""):
        self.message = message
        self.line = line
        self.column = column
        self.excerpt = excerpt
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        text = f"{where}{self.message}"
        if self.excerpt:
            text += "\n" + self.excerpt
        return text


class CompileError(ValueError):
    """A program the compiler will not turn into a network, and why."""


class SourceWarning(UserWarning):
    """Source text that compiles but does not do what it seems to say (a guard that never fires);
    its message names the line and column, as a `SourceError`'s does."""
