"""Filter and sort evaluation for the fake HubSpot CRM search endpoint.

Filters on the object's last-modified property and on hs_object_id read columns that the
store extracted at load time. Other properties parse each record, which is slow on
million-record files but exact.
"""

import dataclasses

from .store import parse_timestamp

MAX_FILTER_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6

OPERATORS = {
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
}


class SearchRequestError(ValueError):
    """The search body breaks a documented rule. The message goes into the 400 body."""


def id_sort_key(value):
    """Sort numeric ids as numbers and any other id after them as text."""
    text = str(value)
    if text.isdigit():
        return (0, int(text), "")
    return (1, 0, text)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _comparable_pair(actual, expected):
    """Return actual and expected converted to one comparable type: number, time or text."""
    actual_number, expected_number = _number(actual), _number(expected)
    if actual_number is not None and expected_number is not None:
        return actual_number, expected_number

    actual_time, expected_time = parse_timestamp(actual), parse_timestamp(expected)
    if actual_time is not None and expected_time is not None:
        return actual_time, expected_time

    return str(actual).lower(), str(expected).lower()


def _compare(actual, operator, expected):
    left, right = _comparable_pair(actual, expected)
    if operator == "EQ":
        return left == right
    if operator == "NEQ":
        return left != right
    if operator == "LT":
        return left < right
    if operator == "LTE":
        return left <= right
    if operator == "GT":
        return left > right
    return left >= right


def filter_matches(actual, search_filter):
    """Return whether one property value passes one HubSpot search filter."""
    operator = search_filter["operator"]
    present = actual is not None and actual != ""

    if operator == "HAS_PROPERTY":
        return present
    if operator == "NOT_HAS_PROPERTY":
        return not present
    if operator == "NEQ" and not present:
        return True
    if operator == "NOT_IN":
        values = [str(value).lower() for value in search_filter.get("values") or []]
        return not present or str(actual).lower() not in values
    if not present:
        return False

    if operator == "IN":
        values = [str(value).lower() for value in search_filter.get("values") or []]
        return str(actual).lower() in values
    if operator == "BETWEEN":
        return (_compare(actual, "GTE", search_filter.get("value"))
                and _compare(actual, "LTE", search_filter.get("highValue")))
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(search_filter.get("value", "")).lower().strip("*")
        found = token in str(actual).lower()
        return found if operator == "CONTAINS_TOKEN" else not found
    return _compare(actual, operator, search_filter.get("value"))


def validate_filter_groups(filter_groups):
    if not isinstance(filter_groups, list):
        raise SearchRequestError("filterGroups must be a list")
    if len(filter_groups) > MAX_FILTER_GROUPS:
        raise SearchRequestError("at most %d filterGroups are allowed" % MAX_FILTER_GROUPS)

    for group in filter_groups:
        filters = group.get("filters") or []
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise SearchRequestError("at most %d filters per group are allowed" % MAX_FILTERS_PER_GROUP)
        for search_filter in filters:
            if search_filter.get("operator") not in OPERATORS:
                raise SearchRequestError("invalid filter operator %r" % search_filter.get("operator"))
            if not search_filter.get("propertyName"):
                raise SearchRequestError("every filter needs a propertyName")


def parse_sorts(sorts):
    """Return (property name, descending) pairs from objects or "-name" strings."""
    parsed = []
    for item in sorts or []:
        if isinstance(item, dict):
            name = item.get("propertyName")
            descending = str(item.get("direction", "ASCENDING")).upper() == "DESCENDING"
        else:
            name = str(item).lstrip("-")
            descending = str(item).startswith("-")
        if not name:
            raise SearchRequestError("every sort needs a propertyName")
        parsed.append((name, descending))
    return parsed


@dataclasses.dataclass
class SearchPlan:
    """Everything the search needs to know about the object type's store."""

    store: object
    modified_property: str
    text_properties: tuple

    def value(self, position, name, record_cache):
        """Return property `name` of the record at position, read from a column when one exists."""
        if name == self.modified_property:
            return self.store.columns["modified"][position]
        if name in ("hs_object_id", "id"):
            return str(self.store.columns["id"][position])
        if position not in record_cache:
            record_cache.clear()
            record_cache[position] = self.store.get(position)
        return (record_cache[position].get("properties") or {}).get(name)


def _matches_groups(plan, position, filter_groups, record_cache):
    if not filter_groups:
        return True
    for group in filter_groups:
        if all(filter_matches(_filter_value(plan, position, item, record_cache), item)
               for item in group.get("filters") or []):
            return True
    return False


def _filter_value(plan, position, search_filter, record_cache):
    value = plan.value(position, search_filter["propertyName"], record_cache)
    if search_filter["propertyName"] == plan.modified_property and value is not None:
        # The column contains epoch seconds, while filters send epoch milliseconds or ISO 8601.
        return int(value * 1000)
    return value


def _matches_query(plan, position, query, record_cache):
    if not query:
        return True
    needle = query.lower()
    for name in plan.text_properties:
        value = plan.value(position, name, record_cache)
        if value and needle in str(value).lower():
            return True
    return False


def _sort_key(value):
    if value is None or value == "":
        return (2, 0, "")
    number = _number(value)
    if number is not None:
        return (0, number, "")
    moment = parse_timestamp(value)
    if moment is not None:
        return (0, moment, "")
    return (1, 0, str(value).lower())


def search_positions(plan, ordered_positions, filter_groups, sorts, query):
    """Return the store positions that match, in the requested order.

    ordered_positions is the default order (by id). Sorts apply in sequence, so the
    first sort is the primary key.
    """
    record_cache = {}
    matched = [
        position for position in ordered_positions
        if _matches_groups(plan, position, filter_groups, record_cache)
        and _matches_query(plan, position, query, record_cache)
    ]

    for name, descending in reversed(parse_sorts(sorts)):
        if name in ("hs_object_id", "id"):
            keys = {position: id_sort_key(plan.store.columns["id"][position]) for position in matched}
        else:
            keys = {position: _sort_key(plan.value(position, name, record_cache)) for position in matched}
        matched.sort(key=keys.__getitem__, reverse=descending)
    return matched
