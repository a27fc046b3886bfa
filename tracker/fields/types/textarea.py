"""Textarea: multi-line text of at most 32767 characters, searched with `~`."""

from __future__ import annotations

from tracker.fields.types.text import TextType


class TextareaType(TextType):
    key = "textarea"
    label = "Paragraph"
    max_length = 32767
    single_line = False
