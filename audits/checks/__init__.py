"""Check modules, one per family. Importing this package registers every check."""
from importlib import import_module

CHECK_MODULES = ("attribution", "lifecycle", "hygiene", "lead_handling", "measurement")

for _name in CHECK_MODULES:
    try:
        import_module(f"audits.checks.{_name}")
    except ModuleNotFoundError as error:
        if error.name != f"audits.checks.{_name}":
            raise
