"""How the study pages show a service's refusal on a form."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: its keys become field errors, the rest non-field errors."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.error_dict.items():
        texts = [text for error in errors for text in error.messages]
        form.add_error(key if key in form.fields else None, texts)
