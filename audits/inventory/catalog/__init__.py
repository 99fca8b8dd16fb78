"""The tool catalog: one JSON file per category in this folder, loaded and validated by load_catalog."""
from .entries import CATEGORIES, CRMS, Catalog, MetaFingerprint, ToolEntry
from .loader import CatalogError, load_catalog

__all__ = ["CATEGORIES", "CRMS", "Catalog", "CatalogError", "MetaFingerprint", "ToolEntry", "load_catalog"]
