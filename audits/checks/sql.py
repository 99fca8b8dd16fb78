"""Raw SQL of the checks, written for PostgreSQL and run on SQLite too.

A few checks read the snapshot with hand-written SQL because it is several times faster on large
portals. That SQL uses `column = ANY(%(name)s)` with a list parameter, which PostgreSQL binds as an
array. SQLite has no arrays, so there each such test becomes an IN list with one parameter per item.
"""
import re
from datetime import timezone

from django.db import connection
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

_ANY_PARAMETER = re.compile(r"= ANY\(%\((\w+)\)s\)")


def fetch_all(sql, parameters, *, datetime_columns=()):
    """Execute `sql` with named `parameters` and return every row as a tuple.

    SQLite returns timestamps as text to a raw cursor, so there the columns at the `datetime_columns`
    positions are parsed into aware UTC datetimes, as psycopg returns them from PostgreSQL.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()

    sql, parameters = expand_list_parameters(sql, parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    if not datetime_columns:
        return rows
    return [tuple(_as_datetime(value) if index in datetime_columns else value for index, value in enumerate(row)) for row in rows]


def _as_datetime(value):
    if not isinstance(value, str):
        return value
    parsed = parse_datetime(value)
    return make_aware(parsed, timezone.utc) if parsed is not None and is_naive(parsed) else parsed


def expand_list_parameters(sql, parameters):
    """Return the SQL and parameters with each `= ANY(%(name)s)` of a list parameter written as an IN list."""
    expanded = dict(parameters)

    def in_list(match):
        name = match.group(1)
        names = [f"{name}__{index}" for index in range(len(parameters[name]))]
        expanded.update(zip(names, parameters[name]))
        # SQLite accepts an empty IN list, which is false like ANY of an empty array.
        return "IN (%s)" % ", ".join(f"%({item})s" for item in names)

    sql = _ANY_PARAMETER.sub(in_list, sql)
    return sql, {name: value for name, value in expanded.items() if not isinstance(value, (list, tuple))}
