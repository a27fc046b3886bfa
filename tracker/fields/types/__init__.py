"""Custom field types, one module each. Every module in this package defining a `CustomFieldType` subclass
with a `key` is registered on import, so a new type is one new module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups

_REGISTRY: dict[str, CustomFieldType] = {}


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, CustomFieldType)
                and cls.__module__ == module.__name__
                and not inspect.isabstract(cls)
                and "key" in cls.__dict__
            ):
                if cls.key in _REGISTRY:
                    raise RuntimeError(f"two custom field types are called {cls.key!r}")
                _REGISTRY[cls.key] = cls()


def field_type(key: str) -> CustomFieldType:
    """The registered type called `key`; KeyError when there is none."""
    if not _REGISTRY:
        _discover()
    return _REGISTRY[key]


def field_types() -> dict[str, CustomFieldType]:
    """Every registered type by name."""
    if not _REGISTRY:
        _discover()
    return dict(_REGISTRY)


__all__ = ["CustomFieldType", "FieldValueError", "IndexSpec", "Lookups", "field_type", "field_types"]
