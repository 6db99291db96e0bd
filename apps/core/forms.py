"""Form pieces shared by every app: Bootstrap classes on widgets, date inputs, several files in one input."""

from django import forms
from django.core.exceptions import ValidationError


class BootstrapFormMixin:
    """Give every widget its Bootstrap class, so templates render forms with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (optional); checking their content is the service's (core.files.check_upload)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


def save_with_form_errors(form, write):
    """Run a service write; show its ValidationError on the form (per field where the field exists).

    Returns the service's result, or None when it refused (the form then carries the messages).
    """
    from django.core.exceptions import ValidationError

    try:
        return write()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            for message in exc.messages:
                form.add_error(None, message)
        return None


def chosen_option(form: forms.Form, name: str, preset, saved):
    """The selected option of a choice field that other parts of a form depend on (the unit, the branch …).

    Posted, else `preset` (?name= in the URL), else the saved one, else the only choice. The field reads the
    value, so a choice outside the user's scope, or junk, is no choice. Sets the field's initial to it.
    """
    field = form.fields[name]
    raw = form.data.get(name) if form.is_bound else preset.get(name)
    chosen = None
    if raw not in (None, ""):
        try:
            chosen = field.clean(raw)
        except ValidationError:
            chosen = None
    if chosen is None and not (form.is_bound and raw not in (None, "")):
        options = [] if saved is not None else list(field.queryset[:2])
        chosen = saved if saved is not None else (options[0] if len(options) == 1 else None)
    if chosen is not None:
        form.initial[name] = chosen.pk
    return chosen
