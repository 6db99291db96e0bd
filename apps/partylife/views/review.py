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
from .records import activity_or_404


def _review_view(form_class, *, denied: str, missing: str, write, done):
    """A committee POST from a record's page: read the reason (`missing` if none), run the service
    `write(actor, record, reason)`, say what happened (`done(result)`, or the service's refusal)."""

    @committee_required(message=denied)
    @require_POST
    def view(request, scope, pk):
        activity = activity_or_404(request, pk)
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, missing)
            return redirect(activity)
        try:
            result = write(request.user, activity, form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, done(result))
        return redirect(activity)

    return view


def _unlocked(unlock) -> str:
    until = timezone.localtime(unlock.until)  # Asia/Shanghai, as every time the user reads
    return f"记录已解锁，{until:%Y-%m-%d %H:%M} 前可修改。解锁已留痕，已通知支部（单位）书记。"


activity_unlock = _review_view(
    UnlockForm,
    denied="只有工委管理员可以解锁记录。",
    missing="请填写解锁原因。",
    write=lambda actor, record, reason: services.activity_unlock(actor=actor, activity=record, reason=reason),
    done=_unlocked,
)

#: 退回: the committee sends a submitted record back to its secretaries as a draft, with the reason.
activity_return = _review_view(
    ReturnForm,
    denied="只有工委管理员可以退回记录。",
    missing="请填写退回原因。",
    write=lambda actor, record, reason: services.activity_return(actor=actor, activity=record, reason=reason),
    done=lambda returned: "记录已退回为草稿，退回原因已通知支部（单位）书记。",
)
