"""Small SOQL parser and evaluator for the fake Salesforce server.

Supported: SELECT f1, f2 | COUNT() FROM Object [WHERE cond AND cond ...]
[ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n], where a condition is
`field op literal` with op one of = != <> < <= > >= LIKE IN NOT IN. Literals are quoted
strings, numbers, true, false, null, dates (2026-01-01) and datetimes (2026-01-01T00:00:00Z).
OR, parentheses around conditions, relationship fields (Owner.Name), subqueries and date
functions such as LAST_N_DAYS raise SoqlError, which the server returns as a MALFORMED_QUERY error.
"""

import dataclasses
import re

from .store import parse_timestamp

TOKEN_PATTERN = re.compile(r"""\s*(?:('(?:[^'\\]|\\.)*')|(<=|>=|!=|<>|=|<|>|\(|\)|,)|([^\s,()'=<>!]+))""")
DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_PATTERN = re.compile(r"^-?\d+(\.\d+)?$")
FIELD_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SoqlError(ValueError):
    """The query is not valid SOQL, or uses a feature the fake does not support."""


@dataclasses.dataclass(frozen=True)
class Literal:
    kind: str  # "string", "number", "boolean", "null", "date" or "datetime"
    value: object


@dataclasses.dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: object  # a Literal, or a tuple of Literals for IN and NOT IN


@dataclasses.dataclass
class Query:
    object_name: str
    fields: list
    count_only: bool = False
    conditions: list = dataclasses.field(default_factory=list)
    order_by: list = dataclasses.field(default_factory=list)
    limit: int | None = None
    offset: int = 0


def tokenize(text):
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN_PATTERN.match(text, position)
        if not match or match.end() == position:
            raise SoqlError("unexpected character at position %d: %r" % (position, text[position:position + 10]))
        tokens.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self, offset=0):
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def keyword(self, *words):
        """Consume the words if the next tokens are those keywords (any case)."""
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or token.upper() != word:
                return False
        self.index += len(words)
        return True

    def expect_keyword(self, *words):
        if not self.keyword(*words):
            raise SoqlError("expected %s near %r" % (" ".join(words), self.peek()))

    def take(self):
        token = self.peek()
        if token is None:
            raise SoqlError("unexpected end of query")
        self.index += 1
        return token

    def field(self):
        token = self.take()
        if "." in token:
            raise SoqlError("relationship field %s is not supported by the fake" % token)
        if not FIELD_PATTERN.match(token):
            raise SoqlError("unexpected token %r where a field name belongs" % token)
        return token

    def literal(self):
        token = self.take()
        upper = token.upper()
        if token.startswith("'"):
            return Literal("string", re.sub(r"\\(.)", r"\1", token[1:-1]))
        if upper in ("TRUE", "FALSE"):
            return Literal("boolean", upper == "TRUE")
        if upper == "NULL":
            return Literal("null", None)
        if DATETIME_PATTERN.match(token):
            return Literal("datetime", parse_timestamp(token))
        if DATE_PATTERN.match(token):
            return Literal("date", parse_timestamp(token))
        if NUMBER_PATTERN.match(token):
            return Literal("number", float(token))
        raise SoqlError("unsupported literal %r" % token)

    def parse(self):
        self.expect_keyword("SELECT")
        query = Query(object_name="", fields=[])
        if self.keyword("COUNT", "(", ")"):
            query.count_only = True
        else:
            query.fields.append(self.field())
            while self.peek() == ",":
                self.take()
                query.fields.append(self.field())

        self.expect_keyword("FROM")
        query.object_name = self.field()
        if self.keyword("WHERE"):
            query.conditions.append(self.condition())
            while self.keyword("AND"):
                query.conditions.append(self.condition())
            if self.peek() and self.peek().upper() == "OR":
                raise SoqlError("OR is not supported by the fake")
        if self.keyword("ORDER", "BY"):
            query.order_by.append(self.order_item())
            while self.peek() == ",":
                self.take()
                query.order_by.append(self.order_item())
        if self.keyword("LIMIT"):
            query.limit = self.integer()
        if self.keyword("OFFSET"):
            query.offset = self.integer()
        if self.peek() is not None:
            raise SoqlError("unexpected token %r" % self.peek())
        return query

    def integer(self):
        token = self.take()
        if not token.isdigit():
            raise SoqlError("expected a whole number, got %r" % token)
        return int(token)

    def condition(self):
        if self.peek() == "(":
            raise SoqlError("parentheses around conditions are not supported by the fake")
        field = self.field()
        if self.keyword("NOT", "IN"):
            return Condition(field, "NOT IN", self.literal_list())
        if self.keyword("IN"):
            return Condition(field, "IN", self.literal_list())
        if self.keyword("LIKE"):
            return Condition(field, "LIKE", self.literal())
        operator = self.take()
        if operator not in ("=", "!=", "<>", "<", "<=", ">", ">="):
            raise SoqlError("unsupported operator %r" % operator)
        return Condition(field, "!=" if operator == "<>" else operator, self.literal())

    def literal_list(self):
        if self.take() != "(":
            raise SoqlError("expected ( after IN")
        values = [self.literal()]
        while self.peek() == ",":
            self.take()
            values.append(self.literal())
        if self.take() != ")":
            raise SoqlError("expected ) to close the IN list")
        return tuple(values)

    def order_item(self):
        field = self.field()
        descending = False
        if self.keyword("DESC"):
            descending = True
        else:
            self.keyword("ASC")
        nulls_last = not descending
        if self.keyword("NULLS", "FIRST"):
            nulls_last = False
        elif self.keyword("NULLS", "LAST"):
            nulls_last = True
        return field, descending, nulls_last


def parse(text):
    """Parse one SOQL statement into a Query, or raise SoqlError."""
    return _Parser(text).parse()


def _coerce(actual, literal):
    """Convert a record value to the literal's type. Return None when it cannot be compared."""
    if actual is None:
        return None
    if literal.kind in ("date", "datetime"):
        return actual if isinstance(actual, float) else parse_timestamp(actual)
    if literal.kind == "number":
        try:
            return float(actual)
        except (TypeError, ValueError):
            return None
    if literal.kind == "boolean":
        return actual if isinstance(actual, bool) else str(actual).lower() == "true"
    return str(actual).lower()


def _literal_value(literal):
    return literal.value.lower() if literal.kind == "string" else literal.value


def condition_matches(actual, condition):
    """Return whether one record value satisfies one condition. String compares ignore case."""
    if condition.operator in ("IN", "NOT IN"):
        found = any(condition_matches(actual, Condition(condition.field, "=", item)) for item in condition.value)
        return found if condition.operator == "IN" else not found

    literal = condition.value
    if literal.kind == "null":
        return (actual is None) == (condition.operator == "=")
    value = _coerce(actual, literal)
    if value is None:
        return condition.operator == "!="
    expected = _literal_value(literal)

    if condition.operator == "LIKE":
        pattern = "^" + re.escape(expected).replace("%", ".*").replace("_", ".") + "$"
        return re.match(pattern, value, re.DOTALL) is not None
    return {
        "=": value == expected, "!=": value != expected, "<": value < expected,
        "<=": value <= expected, ">": value > expected, ">=": value >= expected,
    }[condition.operator]


def sort_key(value):
    """Order values the way SOQL does within one field: numbers, times, then text."""
    if isinstance(value, bool):
        return (0, float(value), "")
    if isinstance(value, (int, float)):
        return (0, float(value), "")
    moment = parse_timestamp(value) if isinstance(value, str) and value[:4].isdigit() else None
    if moment is not None:
        return (0, moment, "")
    return (1, 0.0, str(value).lower())
