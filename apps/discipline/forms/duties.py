"""Forms of 责任清单: a template version's title, a template item, a unit list item."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin

from ..models import DutyTemplate, DutyTemplateItem, UnitDutyItem
from ..services.duties import DUTY_ITEM_FIELDS, TEMPLATE_FIELDS, TEMPLATE_ITEM_FIELDS


class TemplateForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DutyTemplate
        fields = TEMPLATE_FIELDS


class ItemOrderMixin:
    """顺序 may stay empty: a new item goes last."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].help_text = "数字小的排在前面；不填则排在最后"


class TemplateItemForm(ItemOrderMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DutyTemplateItem
        fields = TEMPLATE_ITEM_FIELDS
        widgets = {"content": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}

    def _post_clean(self):
        # The service validates the item.
        pass


class DutyItemForm(ItemOrderMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = UnitDutyItem
        fields = DUTY_ITEM_FIELDS
        widgets = {"content": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A draft may leave it empty for now; confirming the list requires it on every item.
        self.fields["owner_position"].required = False
        self.fields["owner_position"].help_text = "确认清单前每一条都须填写，例如 党组书记、分管领导、纪检组长"

    def _post_clean(self):
        # The service validates the item (and lets a draft keep an empty 责任岗位).
        pass
