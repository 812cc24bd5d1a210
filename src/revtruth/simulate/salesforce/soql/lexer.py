"""SOQL text to tokens, and the errors Salesforce gives for a query it cannot read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class SoqlError(Exception):
    """A query Salesforce would reject; `error_code` is its REST `errorCode`."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>[+-]?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*(?::\d+)?)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),'])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Token:
    kind: str  # datetime | date | number | ident | op | punct | string | eof
    text: str
    pos: int
    value: Any = None  # strings: (plain text or None if LIKE-only escapes, LIKE regex)

    def word(self) -> str | None:
        return self.text.upper() if self.kind == "ident" else None


def read_string(text: str, start: int) -> tuple[Token, int]:
    """Read a quoted literal from `start` (the opening quote); return token and end index."""
    plain: list[str] = []
    regex: list[str] = []
    like_only = False
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            value = (None if like_only else "".join(plain), "".join(regex))
            return Token("string", text[start : i + 1], start, value), i + 1
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in ("%", "_"):
                # Only LIKE patterns may escape wildcards; anywhere else Salesforce rejects it.
                like_only = True
                plain.append(nxt)
                regex.append(re.escape(nxt))
            elif nxt.lower() in _ESCAPES:
                decoded = _ESCAPES[nxt.lower()]
                plain.append(decoded)
                regex.append(re.escape(decoded))
            else:
                raise syntax_error(
                    text,
                    i,
                    "MALFORMED_QUERY",
                    f"Invalid string literal. Illegal character sequence '\\{nxt}' "
                    "in string literal.",
                )
            i += 2
            continue
        plain.append(ch)
        regex.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    raise syntax_error(text, start, "MALFORMED_QUERY", "unterminated string literal")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        match = _TOKEN_RE.match(text, i)
        if match is None:
            raise syntax_error(text, i, "MALFORMED_QUERY", f"unexpected token: '{text[i]}'")
        kind = match.lastgroup or ""
        if match.group() == "'":
            token, i = read_string(text, i)
            tokens.append(token)
            continue
        if kind != "ws":
            tokens.append(Token(kind, match.group(), i))
        i = match.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


def syntax_error(text: str, pos: int, code: str, message: str) -> SoqlError:
    # Salesforce quotes the offending line with a caret under the column it stopped at.
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:] if line_end < 0 else text[line_start:line_end]
    col = pos - line_start + 1
    return SoqlError(
        code, f"\n{line}\n{' ' * (col - 1)}^\nERROR at Row:{row}:Column:{col}\n{message}"
    )
