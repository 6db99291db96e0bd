"""平台设置: the city's platform start date (平台启用日期) and its history, for the committee."""

from django.contrib import messages
from django.shortcuts import redirect, render

from apps.core.forms import save_with_form_errors

from .. import selectors, services
from ..access import committee_required
from ..forms import PlatformForm

DENIED = "只有工委管理员可以修改平台设置。"


@committee_required(message=DENIED)
def platform_settings(request, scope):
    """Show and change the start date; every version stays listed with who set it and when."""
    settings = selectors.platform_settings(user=request.user)
    form = PlatformForm(request.POST or None, initial={"start_on": settings.start_on})
    if request.method == "POST" and form.is_valid():
        start_on = form.cleaned_data["start_on"]
        saved = save_with_form_errors(form, lambda: services.platform_update(actor=request.user, start_on=start_on))
        if saved:
            messages.success(request, f"平台启用日期已设为 {saved.start_on:%Y-%m-%d}。")
            return redirect("orgs:platform")
    return render(
        request,
        "orgs/platform.html",
        {"form": form, "settings": settings, "units": selectors.units_joined_later(user=request.user)},
    )
