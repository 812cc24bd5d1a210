"""Parse and evaluate the SOQL subset a connector sends to the simulated Salesforce.

Grammar (keywords case-insensitive):

    query   := SELECT (COUNT '(' ')' | field (',' field)*) FROM object
               [WHERE cond] [ORDER BY order (',' order)*] [LIMIT int] [OFFSET int]
    order   := field [ASC | DESC] [NULLS (FIRST | LAST)]
    cond    := unary (AND unary)* | unary (OR unary)*     -- mixing needs parentheses
    unary   := NOT unary | '(' cond ')' | field op literal | field LIKE string
               | field [NOT] IN '(' literal (',' literal)* ')'
    op      := = | != | <> | < | <= | > | >=
    literal := 'string' | number | true | false | null | 2024-01-15 | 2024-01-15T10:00:00Z

Semantics follow Salesforce rather than SQL: string comparison, LIKE and ORDER BY are case
insensitive; `!=` matches nulls; nulls sort first unless NULLS LAST; a 15-character Id
equals its 18-character form; a literal must fit its field's type (quoted for text, bare
for numbers, booleans and dates) or the query fails as Salesforce's does.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

Schema = Mapping[str, Mapping[str, str]]  # object -> field -> describe type
Record = Mapping[str, Any]


class SoqlError(Exception):
    """A query Salesforce would reject; `error_code` is its REST `errorCode`."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


_TEXT_TYPES = frozenset(
    {"id", "reference", "string", "email", "url", "picklist", "textarea", "phone", "combobox"}
)
_NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
# How Salesforce names the expected type in "value of filter criterion" errors.
_TYPE_WORDS = {
    "datetime": "dateTime",
    "date": "date",
    "boolean": "boolean",
    "int": "integer",
    "currency": "double",
    "double": "double",
    "percent": "double",
}
_KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "AND",
        "OR",
        "NOT",
        "LIKE",
        "IN",
        "NULL",
        "TRUE",
        "FALSE",
    }
)
_NO_COLUMN = (
    "No such column '{field}' on entity '{obj}'. If you are attempting to use a "
    "custom field, be sure to append the '__c' after the custom field name. Please "
    "reference your WSDL or the describe call for the appropriate names."
)
_NO_TYPE = (
    "sObject type '{obj}' is not supported. If you are attempting to use a custom "
    "object, be sure to append the '__c' after the entity name. Please reference your "
    "WSDL or the describe call for the appropriate names."
)
_NO_RELATION = (
    "Didn't understand relationship '{rel}' in field path. If you are attempting "
    "to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)

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
class _Token:
    kind: str  # datetime | date | number | ident | op | punct | string | eof
    text: str
    pos: int
    value: Any = None  # strings: (plain text or None if LIKE-only escapes, LIKE regex)

    def word(self) -> str | None:
        return self.text.upper() if self.kind == "ident" else None


# ---------------------------------------------------------------- query and conditions


Predicate = Callable[[Record], bool]


@dataclass(frozen=True)
class OrderItem:
    field: str
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Query:
    sobject: str  # canonical API name, e.g. "Account"
    fields: tuple[str, ...]  # canonical field names in SELECT order; empty for COUNT()
    count_only: bool
    where: Predicate | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int
    field_types: Mapping[str, str]

    def matches(self, record: Record) -> bool:
        return self.where is None or self.where(record)

    def project(self, record: Record) -> dict[str, Any]:
        return {name: record.get(name) for name in self.fields}


@lru_cache(maxsize=1 << 16)
def _parse_datetime(text: str) -> datetime:
    # Python 3.11 reads every offset form SOQL allows (Z, +00:00, +0000) and fractions.
    return datetime.fromisoformat(text)


def _norm(field_type: str, value: Any) -> Any:
    """A record or literal value in the form comparisons and sorting use."""
    if value is None:
        return None
    if field_type == "datetime":
        return _parse_datetime(value) if isinstance(value, str) else value
    if field_type == "date":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if field_type in _NUMBER_TYPES:
        return float(value)
    if field_type == "boolean":
        return bool(value)
    if field_type in ("id", "reference"):
        # The 18-character form only adds a case-safe checksum to the 15-character one.
        return value[:15]
    return str(value).casefold()


def _comparison(field: str, ftype: str, op: str, value: Any) -> Predicate:
    if op == "=":
        return lambda r: _norm(ftype, r.get(field)) == value
    if op in ("!=", "<>"):
        return lambda r: _norm(ftype, r.get(field)) != value
    compare = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def ordered(r: Record) -> bool:
        current = _norm(ftype, r.get(field))
        return current is not None and value is not None and compare(current, value)

    return ordered


def _like(field: str, regex: str) -> Predicate:
    pattern = re.compile(regex, re.IGNORECASE | re.DOTALL)

    def like(r: Record) -> bool:
        current = r.get(field)
        return current is not None and pattern.fullmatch(str(current)) is not None

    return like


def _within(field: str, ftype: str, values: frozenset[Any], negate: bool) -> Predicate:
    return lambda r: (_norm(ftype, r.get(field)) in values) != negate


# ---------------------------------------------------------------- tokenizer


def _read_string(text: str, start: int) -> tuple[_Token, int]:
    """Read a quoted literal from `start` (the opening quote); return token and end index."""
    plain: list[str] = []
    regex: list[str] = []
    like_only = False
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            value = (None if like_only else "".join(plain), "".join(regex))
            return _Token("string", text[start : i + 1], start, value), i + 1
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
                raise _error(
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
    raise _error(text, start, "MALFORMED_QUERY", "unterminated string literal")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        match = _TOKEN_RE.match(text, i)
        if match is None:
            raise _error(text, i, "MALFORMED_QUERY", f"unexpected token: '{text[i]}'")
        kind = match.lastgroup or ""
        if match.group() == "'":
            token, i = _read_string(text, i)
            tokens.append(token)
            continue
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), i))
        i = match.end()
    tokens.append(_Token("eof", "<EOF>", len(text)))
    return tokens


def _error(text: str, pos: int, code: str, message: str) -> SoqlError:
    # Salesforce quotes the offending line with a caret under the column it stopped at.
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:] if line_end < 0 else text[line_start:line_end]
    col = pos - line_start + 1
    return SoqlError(
        code, f"\n{line}\n{' ' * (col - 1)}^\nERROR at Row:{row}:Column:{col}\n{message}"
    )


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, schema: Schema) -> None:
        self.text = text
        self.schema = schema
        self.tokens = _tokenize(text)
        self.i = 0
        self.sobject = ""
        self.types: Mapping[str, str] = {}
        self.lookup: dict[str, str] = {}

    # -- token helpers

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.i += 1
        return token

    def at(self, *words: str) -> bool:
        return self.peek().word() in words

    def expect_word(self, word: str) -> _Token:
        if not self.at(word):
            raise self.unexpected()
        return self.take()

    def expect_punct(self, punct: str) -> _Token:
        if self.peek().text != punct:
            raise self.unexpected()
        return self.take()

    def unexpected(self, token: _Token | None = None) -> SoqlError:
        token = token or self.peek()
        return _error(self.text, token.pos, "MALFORMED_QUERY", f"unexpected token: '{token.text}'")

    # -- grammar

    def query(self) -> Query:
        self.expect_word("SELECT")
        count_only = False
        field_tokens: list[_Token] = []
        if self.at("COUNT") and self.peek(1).text == "(":
            self.i += 2
            if self.peek().text != ")":
                raise _error(
                    self.text,
                    self.peek().pos,
                    "MALFORMED_QUERY",
                    "only COUNT() is supported by the simulated Salesforce",
                )
            self.take()
            count_only = True
        else:
            field_tokens.append(self.name_token())
            while self.peek().text == ",":
                self.take()
                field_tokens.append(self.name_token())
        self.expect_word("FROM")
        self.resolve_object(self.name_token())
        fields = self.select_fields(field_tokens)
        where = None
        if self.at("WHERE"):
            self.take()
            where = self.condition()
        order = self.order_by() if self.at("ORDER") else ()
        limit = self.integer_after("LIMIT")
        offset = self.integer_after("OFFSET")
        if self.peek().kind != "eof":
            raise self.unexpected()
        return Query(self.sobject, fields, count_only, where, order, limit, offset or 0, self.types)

    def name_token(self) -> _Token:
        token = self.peek()
        if token.kind != "ident" or token.word() in _KEYWORDS:
            raise self.unexpected()
        return self.take()

    def resolve_object(self, token: _Token) -> None:
        by_lower = {name.lower(): name for name in self.schema}
        name = by_lower.get(token.text.lower())
        if name is None:
            raise _error(self.text, token.pos, "INVALID_TYPE", _NO_TYPE.format(obj=token.text))
        self.sobject = name
        self.types = self.schema[name]
        self.lookup = {f.lower(): f for f in self.types}

    def field(self, token: _Token) -> str:
        text = token.text
        prefix = self.sobject.lower() + "."
        if text.lower().startswith(prefix):  # `Account.Name` FROM Account is allowed
            text = text[len(prefix) :]
        if "." in text:
            raise _error(
                self.text, token.pos, "INVALID_FIELD", _NO_RELATION.format(rel=text.split(".")[0])
            )
        name = self.lookup.get(text.lower())
        if name is None:
            raise _error(
                self.text,
                token.pos,
                "INVALID_FIELD",
                _NO_COLUMN.format(field=text, obj=self.sobject),
            )
        return name

    def select_fields(self, tokens: list[_Token]) -> tuple[str, ...]:
        fields: list[str] = []
        for token in tokens:
            name = self.field(token)
            if name in fields:
                raise _error(
                    self.text, token.pos, "MALFORMED_QUERY", f"duplicate field selected: {name}"
                )
            fields.append(name)
        return tuple(fields)

    def condition(self) -> Predicate:
        parts = [self.unary()]
        joiner: str | None = None
        while self.at("AND", "OR"):
            word = self.peek().word()
            if joiner is not None and word != joiner:
                raise self.unexpected()  # Salesforce requires parentheses to mix AND and OR
            joiner = word
            self.take()
            parts.append(self.unary())
        if joiner is None:
            return parts[0]
        combine = all if joiner == "AND" else any
        return lambda r: combine(p(r) for p in parts)

    def unary(self) -> Predicate:
        if self.at("NOT"):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.peek().text == "(":
            self.take()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.field_expression()

    def field_expression(self) -> Predicate:
        token = self.name_token()
        field = self.field(token)
        ftype = self.types[field]
        op = self.peek()
        if op.kind == "op":
            self.take()
            value_token = self.take()
            return _comparison(field, ftype, op.text, self.literal(field, ftype, value_token))
        if op.word() == "LIKE":
            self.take()
            pattern = self.take()
            if pattern.kind != "string":
                self.literal(field, ftype, pattern)  # raises the type error Salesforce gives
                raise self.unexpected(pattern)
            if ftype not in _TEXT_TYPES:
                raise self.type_error(field, ftype, pattern)
            return _like(field, pattern.value[1])
        negate = op.word() == "NOT"
        if negate:
            self.take()
        self.expect_word("IN")
        self.expect_punct("(")
        values = [self.literal(field, ftype, self.take())]
        while self.peek().text == ",":
            self.take()
            values.append(self.literal(field, ftype, self.take()))
        self.expect_punct(")")
        return _within(field, ftype, frozenset(values), negate)

    def literal(self, field: str, ftype: str, token: _Token) -> Any:
        """The literal in `token`, normalised for `field`, or the error Salesforce gives."""
        word = token.word()
        if word == "NULL":
            return None
        if token.kind == "string":
            if ftype not in _TEXT_TYPES:
                raise self.type_error(field, ftype, token)
            plain = token.value[0]
            if plain is None:
                raise _error(
                    self.text,
                    token.pos,
                    "MALFORMED_QUERY",
                    f"Invalid string literal {token.text}. Illegal character "
                    "sequence in string literal.",
                )
            return _norm(ftype, plain)
        if token.kind in ("eof", "punct", "op"):
            raise self.unexpected(token)
        if ftype in _TEXT_TYPES:
            raise self.type_error(field, ftype, token)
        if word in ("TRUE", "FALSE") and ftype == "boolean":
            return word == "TRUE"
        if token.kind == "number" and ftype in _NUMBER_TYPES:
            return float(Decimal(token.text))
        if token.kind == "date" and ftype == "date":
            return date.fromisoformat(token.text)
        if token.kind == "datetime" and ftype == "datetime":
            return _parse_datetime(token.text)
        if token.kind == "ident" and word not in ("TRUE", "FALSE"):
            # Relative date literals (TODAY, LAST_N_DAYS:n) need a clock the plan lacks.
            raise _error(
                self.text,
                token.pos,
                "MALFORMED_QUERY",
                f"unexpected token: '{token.text}' (relative date literals are not "
                "supported by the simulated Salesforce)",
            )
        raise self.type_error(field, ftype, token)

    def type_error(self, field: str, ftype: str, token: _Token) -> SoqlError:
        if ftype in _TEXT_TYPES:
            message = (
                f"value of filter criterion for field '{field}' must be of type "
                "string and should be enclosed in quotes"
            )
        else:
            word = _TYPE_WORDS.get(ftype, ftype)
            message = (
                f"value of filter criterion for field '{field}' must be of type {word} "
                "and should not be enclosed in quotes"
            )
        return _error(self.text, token.pos, "INVALID_FIELD", message)

    def order_by(self) -> tuple[OrderItem, ...]:
        self.expect_word("ORDER")
        self.expect_word("BY")
        items = [self.order_item()]
        while self.peek().text == ",":
            self.take()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.field(self.name_token())
        descending = False
        if self.at("ASC", "DESC"):
            descending = self.take().word() == "DESC"
        nulls_last = False
        if self.at("NULLS"):
            self.take()
            if not self.at("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.take().word() == "LAST"
        return OrderItem(field, descending, nulls_last)

    def integer_after(self, word: str) -> int | None:
        if not self.at(word):
            return None
        self.take()
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise self.unexpected(token)
        return int(token.text)


# ---------------------------------------------------------------- public API


def parse_query(text: str, schema: Schema) -> Query:
    """Parse `text` against `schema`; raise `SoqlError` as Salesforce would reject it."""
    return _Parser(text, schema).query()


def run_query(query: Query, records: Iterable[Record]) -> list[Record]:
    """The records `query` selects, filtered, ordered, offset and limited (not projected)."""
    rows = [r for r in records if query.matches(r)]
    # Stable sorts from the last key to the first give a multi-key order in which each key
    # keeps its own direction and null placement.
    for item in reversed(query.order_by):
        ftype = query.field_types[item.field]
        present = [r for r in rows if r.get(item.field) is not None]
        missing = [r for r in rows if r.get(item.field) is None]
        present.sort(
            key=lambda r, f=item.field, t=ftype: _norm(t, r.get(f)), reverse=item.descending
        )
        rows = present + missing if item.nulls_last else missing + present
    rows = rows[query.offset :]
    if query.limit is not None:
        rows = rows[: query.limit]
    return rows
