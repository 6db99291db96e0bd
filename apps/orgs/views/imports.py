"""Roster import pages (名册导入): the upload page and the blank template download.

Only the committee and unit secretaries reach them; everyone else gets 403.
The rules live in `roster_import.py`; these views only move the file and the result. A file of more than
PORTAL_IMPORT_JOB_ROWS rows is checked or imported by a background job (我的任务) instead of the request.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render

from apps.core.excel import sheet_row_count, xlsx_response
from apps.core.imports import report_import

from .. import roster_import as importer
from ..access import unit_manager_required
from ..forms import RosterImportForm

DENIED = "只有工委管理员和单位党务干部可以导入名册。"
MOVED_TO_JOB = "文件较大，已转为后台任务处理；完成后将通知您，可在本页查看进度和结果。"


@unit_manager_required(message=DENIED)
def roster_import(request, scope):
    """Show the import page; on POST check the file and import it (or, for a dry run, only check it)."""
    result = None
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload, dry_run = form.cleaned_data["file"], form.cleaned_data["dry_run"]
            if _large(upload):
                job = importer.start_job(actor=request.user, upload=upload, dry_run=dry_run)
                messages.info(request, MOVED_TO_JOB)
                return redirect(job.get_absolute_url())
            result = importer.roster_import(actor=request.user, file=upload, dry_run=dry_run)
            report_import(request, result)
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


def _large(upload) -> bool:
    """A file of more than PORTAL_IMPORT_JOB_ROWS rows (and within the size limit) is imported by a job."""
    if upload.size > importer.MAX_FILE_BYTES:
        return False  # refused at once, with its reason
    return sheet_row_count(upload) - 1 > settings.PORTAL_IMPORT_JOB_ROWS


@unit_manager_required(message=DENIED)
def roster_template(request, scope):
    """Download a blank roster: the header row and one example row (which the import refuses until deleted)."""
    return xlsx_response(
        filename="党员名册导入模板",
        sheet_title="党员名册",
        headers=importer.COLUMNS,
        rows=[importer.EXAMPLE_ROW],
    )
