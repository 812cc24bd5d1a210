"""Parse the SOQL subset a connector sends to the simulated Salesforce.

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

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from revtruth.simulate.salesforce.soql.lexer import SoqlError, Token, syntax_error, tokenize
from revtruth.simulate.salesforce.soql.query import (
    NUMBER_TYPES,
    TEXT_TYPES,
    OrderItem,
    Predicate,
    Query,
    Schema,
    comparison,
    like,
    norm,
    parse_datetime,
    within,
)

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


class _Parser:
    def __init__(self, text: str, schema: Schema) -> None:
        self.text = text
        self.schema = schema
        self.tokens = tokenize(text)
        self.i = 0
        self.sobject = ""
        self.types: Mapping[str, str] = {}
        self.lookup: dict[str, str] = {}

    # -- token helpers

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def at(self, *words: str) -> bool:
        return self.peek().word() in words

    def expect_word(self, word: str) -> Token:
        if not self.at(word):
            raise self.unexpected()
        return self.take()

    def expect_punct(self, punct: str) -> Token:
        if self.peek().text != punct:
            raise self.unexpected()
        return self.take()

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.peek()
        return syntax_error(
            self.text, token.pos, "MALFORMED_QUERY", f"unexpected token: '{token.text}'"
        )

    # -- grammar

    def query(self) -> Query:
        self.expect_word("SELECT")
        count_only = False
        field_tokens: list[Token] = []
        if self.at("COUNT") and self.peek(1).text == "(":
            self.i += 2
            if self.peek().text != ")":
                raise syntax_error(
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

    def name_token(self) -> Token:
        token = self.peek()
        if token.kind != "ident" or token.word() in _KEYWORDS:
            raise self.unexpected()
        return self.take()

    def resolve_object(self, token: Token) -> None:
        by_lower = {name.lower(): name for name in self.schema}
        name = by_lower.get(token.text.lower())
        if name is None:
            raise syntax_error(
                self.text, token.pos, "INVALID_TYPE", _NO_TYPE.format(obj=token.text)
            )
        self.sobject = name
        self.types = self.schema[name]
        self.lookup = {f.lower(): f for f in self.types}

    def field(self, token: Token) -> str:
        text = token.text
        prefix = self.sobject.lower() + "."
        if text.lower().startswith(prefix):  # `Account.Name` FROM Account is allowed
            text = text[len(prefix) :]
        if "." in text:
            raise syntax_error(
                self.text, token.pos, "INVALID_FIELD", _NO_RELATION.format(rel=text.split(".")[0])
            )
        name = self.lookup.get(text.lower())
        if name is None:
            raise syntax_error(
                self.text,
                token.pos,
                "INVALID_FIELD",
                _NO_COLUMN.format(field=text, obj=self.sobject),
            )
        return name

    def select_fields(self, tokens: list[Token]) -> tuple[str, ...]:
        fields: list[str] = []
        for token in tokens:
            name = self.field(token)
            if name in fields:
                raise syntax_error(
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
            return comparison(field, ftype, op.text, self.literal(field, ftype, value_token))
        if op.word() == "LIKE":
            self.take()
            pattern = self.take()
            if pattern.kind != "string":
                self.literal(field, ftype, pattern)  # raises the type error Salesforce gives
                raise self.unexpected(pattern)
            if ftype not in TEXT_TYPES:
                raise self.typesyntax_error(field, ftype, pattern)
            return like(field, pattern.value[1])
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
        return within(field, ftype, frozenset(values), negate)

    def literal(self, field: str, ftype: str, token: Token) -> Any:
        """The literal in `token`, normalised for `field`, or the error Salesforce gives."""
        word = token.word()
        if word == "NULL":
            return None
        if token.kind == "string":
            if ftype not in TEXT_TYPES:
                raise self.typesyntax_error(field, ftype, token)
            plain = token.value[0]
            if plain is None:
                raise syntax_error(
                    self.text,
                    token.pos,
                    "MALFORMED_QUERY",
                    f"Invalid string literal {token.text}. Illegal character "
                    "sequence in string literal.",
                )
            return norm(ftype, plain)
        if token.kind in ("eof", "punct", "op"):
            raise self.unexpected(token)
        if ftype in TEXT_TYPES:
            raise self.typesyntax_error(field, ftype, token)
        if word in ("TRUE", "FALSE") and ftype == "boolean":
            return word == "TRUE"
        if token.kind == "number" and ftype in NUMBER_TYPES:
            return float(Decimal(token.text))
        if token.kind == "date" and ftype == "date":
            return date.fromisoformat(token.text)
        if token.kind == "datetime" and ftype == "datetime":
            return parse_datetime(token.text)
        if token.kind == "ident" and word not in ("TRUE", "FALSE"):
            # Relative date literals (TODAY, LAST_N_DAYS:n) need a clock the plan lacks.
            raise syntax_error(
                self.text,
                token.pos,
                "MALFORMED_QUERY",
                f"unexpected token: '{token.text}' (relative date literals are not "
                "supported by the simulated Salesforce)",
            )
        raise self.typesyntax_error(field, ftype, token)

    def typesyntax_error(self, field: str, ftype: str, token: Token) -> SoqlError:
        if ftype in TEXT_TYPES:
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
        return syntax_error(self.text, token.pos, "INVALID_FIELD", message)

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


def parse_query(text: str, schema: Schema) -> Query:
    """Parse `text` against `schema`; raise `SoqlError` as Salesforce would reject it."""
    return _Parser(text, schema).query()
