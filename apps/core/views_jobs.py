"""My jobs (我的任务): the user's own background imports and exports, a job's page with its progress, its file.

Every lookup goes through `jobs.jobs_for(request.user)`: another user's job — its page, its progress fragment,
its file — answers 404. The page polls the fragment every 2 s (htmx) while the job is queued or running.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import jobs
from .listing import paginate
from .models import JobState

FILE_GONE = "文件已过期或已删除，请重新导出。"


def _job(request, pk: int):
    return get_object_or_404(jobs.jobs_for(request.user), pk=pk)


def _context(job) -> dict:
    kind = jobs.kind_of(job)
    return {"job": job, "result_template": kind.result_template if kind and job.result else ""}


@login_required
@require_GET
def job_list(request):
    page, querystring = paginate(request, jobs.jobs_for(request.user))
    days = settings.PORTAL_JOB_FILE_DAYS
    context = {"title": "我的任务", "page": page, "querystring": querystring, "file_days": days}
    return render(request, "core/job_list.html", context)


@login_required
@require_GET
def job_detail(request, pk: int):
    job = _job(request, pk)
    return render(request, "core/job_detail.html", {"title": job.title, **_context(job)})


@login_required
@require_GET
def job_progress(request, pk: int):
    return render(request, "core/job_status.html", _context(_job(request, pk)))


@login_required
@require_GET
def job_file(request, pk: int):
    job = _job(request, pk)
    if job.state != JobState.DONE or not job.file:
        raise Http404(FILE_GONE)
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(FILE_GONE) from exc
    response = FileResponse(handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = job.file_name or f"{job.title}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"job-{job.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
