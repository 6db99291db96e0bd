"""The committee's review of a record (工委审核): unlock a record of a closed month (解锁), return a
submitted record to its secretaries as a draft (退回). Both are POSTs of the record's page, the
committee's alone; the services log them and tell the record's secretaries.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.orgs.access import committee_required

from .. import services
from ..forms.review import ReturnForm, UnlockForm
from .records import activity_or_404, write_refused


@committee_required(message="只有工委管理员可以解锁记录。")
@require_POST
def activity_unlock(request, scope, pk):
    activity = activity_or_404(request, pk)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写解锁原因。")
        return redirect(activity)
    try:
        unlock = services.activity_unlock(actor=request.user, activity=activity, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(activity)
    until = timezone.localtime(unlock.until)  # Asia/Shanghai, as every time the user reads
    messages.success(request, f"记录已解锁，{until:%Y-%m-%d %H:%M} 前可修改。解锁已留痕，已通知支部（单位）书记。")
    return redirect(activity)


@committee_required(message="只有工委管理员可以退回记录。")
@require_POST
def activity_return(request, scope, pk):
    """退回: the committee sends a submitted record back to its secretaries as a draft, with the reason."""
    activity = activity_or_404(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写退回原因。")
        return redirect(activity)
    reason = form.cleaned_data["reason"]
    if write_refused(request, lambda: services.activity_return(actor=request.user, activity=activity, reason=reason)):
        return redirect(activity)
    messages.success(request, "记录已退回为草稿，退回原因已通知支部（单位）书记。")
    return redirect(activity)
