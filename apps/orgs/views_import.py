"""Roster import pages (名册导入): the upload page and the blank template download.

Only the committee and unit secretaries reach them; everyone else gets 403.
The rules live in `roster_import.py`; these views only move the file and the result.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from apps.core.excel import xlsx_response
from apps.core.forms import BootstrapFormMixin

from . import roster_import as importer

DENIED = "只有工委管理员和单位党务干部可以导入名册。"


class RosterImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="名册文件（.xlsx）",
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
        help_text=f"不超过 {importer.MAX_FILE_BYTES // (1024 * 1024)} MB，每次最多 {importer.MAX_ROWS} 人。",
    )
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)


def _require_importer(user) -> None:
    if not importer.can_import(user):
        raise PermissionDenied(DENIED)


@login_required
def roster_import(request):
    """Show the import page; on POST check the file and import it (or, for a dry run, only check it)."""
    _require_importer(request.user)
    result = None
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = importer.roster_import(
                actor=request.user, file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
            )
            _report(request, result)
            if result.written:
                form = RosterImportForm()
    else:
        form = RosterImportForm()
    context = {
        "form": form,
        "result": result,
        "columns": importer.COLUMN_HELP,
        "max_rows": importer.MAX_ROWS,
    }
    return render(request, "orgs/roster_import.html", context)


def _report(request, result: importer.ImportResult) -> None:
    if result.file_errors:
        messages.error(request, "导入失败，未导入任何数据：" + "；".join(result.file_errors))
    elif result.row_errors:
        messages.error(request, f"发现 {len(result.row_errors)} 行有问题，未导入任何数据。请按下表修改后重新上传。")
    elif result.dry_run:
        messages.info(request, f"校验通过，共 {result.rows} 行，尚未导入。导入后将{result.summary()}。")
    else:
        messages.success(request, f"导入完成：{result.summary()}。")


@login_required
def roster_template(request):
    """Download a blank roster: the header row and one example row (which the import refuses until deleted)."""
    _require_importer(request.user)
    return xlsx_response(
        filename="党员名册导入模板",
        sheet_title="党员名册",
        headers=importer.COLUMNS,
        rows=[importer.EXAMPLE_ROW],
    )
