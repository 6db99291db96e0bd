"""Roster import pages (名册导入): the upload page and the blank template download.

Only the committee and unit secretaries reach them; everyone else gets 403.
The rules live in `roster_import.py`; these views only move the file and the result.
"""

from django.shortcuts import render

from apps.core.excel import xlsx_response
from apps.core.imports import report_import

from .. import roster_import as importer
from ..access import unit_manager_required
from ..forms import RosterImportForm

DENIED = "只有工委管理员和单位党务干部可以导入名册。"


@unit_manager_required(message=DENIED)
def roster_import(request, scope):
    """Show the import page; on POST check the file and import it (or, for a dry run, only check it)."""
    result = None
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = importer.roster_import(
                actor=request.user, file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
            )
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


@unit_manager_required(message=DENIED)
def roster_template(request, scope):
    """Download a blank roster: the header row and one example row (which the import refuses until deleted)."""
    return xlsx_response(
        filename="党员名册导入模板",
        sheet_title="党员名册",
        headers=importer.COLUMNS,
        rows=[importer.EXAMPLE_ROW],
    )
