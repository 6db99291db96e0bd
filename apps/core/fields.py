"""Model fields shared by every app."""

from __future__ import annotations

from django.core import validators
from django.db import models


class BoundedTextField(models.TextField):
    """Long free text with a stated limit: `max_length` is required and checked everywhere.

    Django's TextField passes `max_length` to its form field only; this one also checks it in `full_clean()`
    (as CharField does), so services and Excel imports refuse over-long text with the same Chinese message as
    the forms, and DRF's ModelSerializer takes it as the serializer field's `max_length`. The column stays
    `text` (changing a limit needs no database change).
    """

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        if max_length is None:
            raise TypeError("BoundedTextField needs max_length")
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(validators.MaxLengthValidator(self.max_length))
