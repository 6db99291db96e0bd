"""HTML forms of 黄红牌: issue (unit first, then its findings and talks), lift, and the colour rules."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin, DateInput
from apps.orgs.access import Scope
from apps.orgs.models import Unit

from ..models import Card, CardRule
from ..selectors import cards as selectors
from ..services.cards import CARD_FIELDS, CARD_RULE_FIELDS


class UnitParamForm(forms.Form):
    """The `?unit=` of the issue page, narrowed to the units the user may issue cards to."""

    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False)

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["unit"].queryset = selectors.issuable_units(scope)

    def chosen(self) -> Unit | None:
        return self.cleaned_data.get("unit") if self.is_valid() else None


class CardForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Card
        fields = CARD_FIELDS
        widgets = {
            "issued_on": DateInput(),
            "findings": forms.CheckboxSelectMultiple,
            "talks": forms.CheckboxSelectMultiple,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, scope: Scope, unit: Unit | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.issuable_units(scope)
        self.fields["findings"].queryset = selectors.linkable_findings(scope, unit)
        self.fields["talks"].queryset = selectors.linkable_talks(scope, unit)
        self.fields["findings"].label_from_instance = lambda f: (
            f"{f.inspection.held_on:%Y-%m-%d} {f.inspection.title}：{f}"
        )
        self.fields["talks"].label_from_instance = lambda t: (
            f"{t.held_on:%Y-%m-%d} {t.get_kind_display()}：{t.reason[:40]}"
        )
        self.fields["colour"].widget = forms.RadioSelect(choices=self.fields["colour"].choices[1:])
        if unit is not None:
            self.initial.setdefault("unit", unit.pk)

    def _post_clean(self):
        """The service validates the card (rule, links, dates); the form only reads the input."""

    def card_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in CARD_FIELDS}


class CardLiftForm(BootstrapFormMixin, forms.Form):
    lifted_on = forms.DateField(label="解除日期", widget=DateInput(), required=False, help_text="不填为今天")
    lift_note = forms.CharField(
        label="解除说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CardRuleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CardRule
        fields = CARD_RULE_FIELDS

    def _post_clean(self):
        """The service validates and saves."""
