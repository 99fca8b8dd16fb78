"""Stack inventory core: the tool catalog, website scanning, CRM data matching, classification and the stack diagram.

Plain Python with no Django imports, so the models, tasks and pages can call it with plain values.
"""
from .catalog import CATEGORIES, CRMS, Catalog, CatalogError, ToolEntry, load_catalog
from .classify import (
    FUNNEL_PROPERTIES,
    INTEGRATED,
    ISLAND,
    PARTIALLY_INTEGRATED,
    STATUS_LABELS,
    STATUSES,
    UNKNOWN,
    AppLink,
    ToolClassification,
    app_link,
    classify,
)
from .detection import PAGE_KINDS, VALUE_KINDS, Detection
from .fetcher import PageResult, fetch_pages
from .scanner import scan_html
from .summary import MissingCapability, Overlap, StackDiff, ToolChange, diff, headline, missing_categories, overlaps
from .svg import stack_svg
from .values import detect_from_values, match_value, unmatched_values

__all__ = [
    "CATEGORIES", "CRMS", "Catalog", "CatalogError", "ToolEntry", "load_catalog",
    "FUNNEL_PROPERTIES", "INTEGRATED", "ISLAND", "PARTIALLY_INTEGRATED", "STATUS_LABELS", "STATUSES", "UNKNOWN",
    "AppLink", "ToolClassification", "app_link", "classify",
    "PAGE_KINDS", "VALUE_KINDS", "Detection",
    "PageResult", "fetch_pages", "scan_html",
    "MissingCapability", "Overlap", "StackDiff", "ToolChange", "diff", "headline", "missing_categories", "overlaps",
    "stack_svg", "detect_from_values", "match_value", "unmatched_values",
]
