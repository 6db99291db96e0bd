"""大屏: the committee's full-screen board for meetings, and the JSON it fetches every minute."""

from django.http import JsonResponse
from django.shortcuts import render

from apps.orgs.access import committee_required

from .. import selectors

MESSAGE = "大屏仅供工委管理员使用。"


@committee_required(message=MESSAGE)
def bigscreen(request, scope):
    payload = selectors.bigscreen_payload(selectors.committee_board())
    return render(request, "dashboards/bigscreen.html", {"payload": payload})


@committee_required(message=MESSAGE)
def bigscreen_data(request, scope):
    response = JsonResponse(selectors.bigscreen_payload(selectors.committee_board()))
    response["Cache-Control"] = "no-store"
    return response
