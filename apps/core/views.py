from django.shortcuts import render

from apps.core.api import is_api, json_error


def permission_denied(request, exception=None):
    if is_api(request):
        return json_error(403, str(exception) if exception else "您没有执行该操作的权限。")
    return render(request, "403.html", {"message": str(exception) if exception else ""}, status=403)


def page_not_found(request, exception=None):
    if is_api(request):
        return json_error(404, "接口或对象不存在。")
    return render(request, "404.html", status=404)
