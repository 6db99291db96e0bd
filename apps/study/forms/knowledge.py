"""Forms of the 应知应会 pages: the committee's item form and the Excel import."""

from __future__ import annotations

from django import forms

from apps.core.forms import BootstrapFormMixin, DateInput

from ..models import KnowledgeItem
from ..services.knowledge import KNOWLEDGE_FIELDS
from ..services.knowledge_import import MAX_FILE_BYTES, MAX_ROWS


class LinkField(forms.URLField):
    """A link typed without a scheme is read as https://."""

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class KnowledgeItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        field_classes = {"link": LinkField}
        model = KnowledgeItem
        fields = KNOWLEDGE_FIELDS
        widgets = {"issued_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}


class KnowledgeImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="清单文件（.xlsx）",
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
        help_text=f"不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，每次最多 {MAX_ROWS} 条。",
    )
    dry_run = forms.BooleanField(label="仅预览校验，不导入", required=False, initial=True)
