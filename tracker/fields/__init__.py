"""Typed custom fields: definitions, contexts and options, and one module per field type."""
