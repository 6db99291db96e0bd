"""Org tree pages (stubs being replaced)."""

from django.http import HttpResponse


def unit_list(request, pk=None):
    return HttpResponse("todo")


def unit_export(request, pk=None):
    return HttpResponse("todo")


def unit_create(request, pk=None):
    return HttpResponse("todo")


def unit_detail(request, pk=None):
    return HttpResponse("todo")


def unit_edit(request, pk=None):
    return HttpResponse("todo")


def branch_list(request, pk=None):
    return HttpResponse("todo")


def branch_export(request, pk=None):
    return HttpResponse("todo")


def branch_create(request, pk=None):
    return HttpResponse("todo")


def branch_detail(request, pk=None):
    return HttpResponse("todo")


def branch_edit(request, pk=None):
    return HttpResponse("todo")


def party_group_create(request, pk=None):
    return HttpResponse("todo")


def party_group_edit(request, pk=None):
    return HttpResponse("todo")


def member_list(request, pk=None):
    return HttpResponse("todo")


def member_export(request, pk=None):
    return HttpResponse("todo")


def member_create(request, pk=None):
    return HttpResponse("todo")


def member_detail(request, pk=None):
    return HttpResponse("todo")


def member_edit(request, pk=None):
    return HttpResponse("todo")


def member_deactivate(request, pk=None):
    return HttpResponse("todo")


def member_reactivate(request, pk=None):
    return HttpResponse("todo")


def account_list(request, pk=None):
    return HttpResponse("todo")


def account_create(request, pk=None):
    return HttpResponse("todo")


def account_detail(request, pk=None):
    return HttpResponse("todo")


def role_grant(request, pk=None):
    return HttpResponse("todo")


def role_revoke(request, pk=None):
    return HttpResponse("todo")


def account_active(request, pk=None):
    return HttpResponse("todo")


def account_password(request, pk=None):
    return HttpResponse("todo")
