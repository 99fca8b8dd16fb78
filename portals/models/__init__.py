from .core import Client, Engagement, Portal
from .snapshot import (
    Campaign,
    ChangeSource,
    Company,
    ConnectedApp,
    Contact,
    Deal,
    Form,
    LifecycleChange,
    Owner,
    PropertyChange,
    Touchpoint,
)
from .sync import CsvUpload, SyncRun

__all__ = [
    "Campaign",
    "ChangeSource",
    "Client",
    "Company",
    "ConnectedApp",
    "Contact",
    "CsvUpload",
    "Deal",
    "Engagement",
    "Form",
    "LifecycleChange",
    "Owner",
    "Portal",
    "PropertyChange",
    "SyncRun",
    "Touchpoint",
]
