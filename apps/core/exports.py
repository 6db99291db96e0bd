"""List exports (导出Excel): immediate when small, a background job (我的任务) when large.

An export view describes its rows with a builder, decorated with `@exporter`, and answers with `respond`:

    @exports.exporter("组织生活记录")
    def activity_rows(*, user, params) -> exports.Export:
        return exports.Export(
            filename="组织生活记录", sheet_title="组织生活记录", headers=HEADERS,
            queryset=selectors.activity_list(user=user, filters=params), row=lambda a: (a.unit.name, ...),
        )

    @scope_required
    def activity_export(request, scope):
        return exports.respond(request, activity_rows)

`respond` builds the export for the signed-in user and counts its rows: at most PORTAL_EXPORT_JOB_ROWS, the
download is made now; more, a job is started and the user is sent to its page. The worker builds the same rows
again from the job's owner and the stored query parameters, through the same builder — the same selector and
FilterSet as the page — so a job never exports more than its owner may see. The builder is found again by its
dotted path, which only the server writes (never a request), and only a function marked by `@exporter` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.module_loading import import_string

from . import excel, jobs

JOB_KIND = "core.export"
MOVED_TO_JOB = "导出数据较多（共 {count:,} 行），已转为后台任务；完成后将通知您，可在“我的任务”中下载。"


@dataclass
class Export:
    """An export's rows: a queryset (counted, then streamed in chunks) and how one object becomes one line."""

    filename: str
    sheet_title: str
    headers: Sequence[str]
    queryset: QuerySet
    row: Callable[[Any], Sequence]
    notes: Sequence[str] = ()
    widths: Sequence[int] = ()
    chunk_size: int = 1000

    def count(self) -> int:
        return self.queryset.count()

    def rows(self) -> Iterator[Sequence]:
        return (self.row(obj) for obj in self.queryset.iterator(chunk_size=self.chunk_size))

    def sheets(self, rows) -> list[excel.Sheet]:
        sheets = [excel.Sheet(title=self.sheet_title, headers=self.headers, rows=rows, widths=self.widths)]
        if self.notes:
            notes = [[note] for note in self.notes]
            sheets.append(excel.Sheet(title=excel.NOTES_SHEET, headers=(), rows=notes, widths=(80,)))
        return sheets


Builder = Callable[..., Export]


def exporter(title: str) -> Callable[[Builder], Builder]:
    """Mark a builder `(*, user, params) -> Export` as one a job may run; `title` names its job (导出…)."""

    def decorator(fn: Builder) -> Builder:
        fn.export_title = title
        return fn

    return decorator


def _path(builder: Builder) -> str:
    return f"{builder.__module__}.{builder.__qualname__}"


def _builder(path: str) -> Builder:
    try:
        builder = import_string(path)
    except ImportError as exc:
        raise jobs.JobError("该导出已不再提供，请在列表页重新导出。") from exc
    if not getattr(builder, "export_title", None):
        raise jobs.JobError("该导出已不再提供，请在列表页重新导出。")
    return builder


def query_of(params) -> dict[str, list[str]]:
    """Query parameters as JSON (every value of every name), to build the same rows again in the worker."""
    if isinstance(params, QueryDict):
        return {name: params.getlist(name) for name in params}
    return {name: list(value) if isinstance(value, list | tuple) else [str(value)] for name, value in params.items()}


def querydict(query: dict[str, list[str]]) -> QueryDict:
    params = QueryDict(mutable=True)
    for name, values in query.items():
        params.setlist(str(name), [str(v) for v in values])
    params._mutable = False
    return params


def respond(request, builder: Builder, *, extra: dict[str, str] | None = None) -> HttpResponse:
    """The export of `builder` for the signed-in user: a download now, or a job and its page when it is large.

    `extra` adds what the URL names rather than the query (an exam's pk): it replaces a query parameter of the same
    name, so a request cannot point the builder elsewhere; the builder checks it against the user as a page does.
    """
    params = request.GET
    if extra:
        params = request.GET.copy()
        for name, value in extra.items():
            params.setlist(name, [str(value)])
    export = builder(user=request.user, params=params)
    count = export.count()
    if count <= settings.PORTAL_EXPORT_JOB_ROWS:
        response = HttpResponse(content_type=excel.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = excel.attachment_header(*excel.download_name(export.filename))
        excel.write_workbook(response, sheets=export.sheets(export.rows()))
        return response
    job = jobs.start(
        user=request.user,
        kind=JOB_KIND,
        params={"export": _path(builder), "query": query_of(params), "rows": count},
        title=f"导出{builder.export_title}",
    )
    messages.info(request, MOVED_TO_JOB.format(count=count))
    return redirect(job.get_absolute_url())


def run_export(ctx: jobs.JobContext) -> jobs.Outcome:
    """The job: the same rows for the job's owner, streamed into an .xlsx in the job's folder."""
    builder = _builder(ctx.params["export"])
    export = builder(user=ctx.job.owner, params=querydict(ctx.params.get("query") or {}))
    ctx.total(export.count(), message="正在导出…")
    path = ctx.temp_path("export.xlsx")
    excel.write_workbook(path, sheets=export.sheets(ctx.track(export.rows())))
    _, name = excel.download_name(export.filename)
    return jobs.Outcome(message=f"共导出 {ctx.done:,} 行。", file_path=path, file_name=name)


jobs.register(JOB_KIND, run=run_export)
