"""Check modules, one per family. Importing this package registers every check."""
from importlib import import_module

CHECK_MODULES = ("attribution", "lifecycle", "hygiene", "lead_handling", "measurement")

for _name in CHECK_MODULES:
    import_module(f"audits.checks.{_name}")
