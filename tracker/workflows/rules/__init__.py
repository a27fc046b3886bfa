"""Built-in rule kinds. Every module of this package is imported here, and each registers its kinds with
`@register`, so a new kind is one new module."""

from __future__ import annotations

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")
