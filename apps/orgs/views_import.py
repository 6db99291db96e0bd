"""Roster import pages (placeholder until the importer lands)."""

from django.http import Http404


def roster_import(request):
    raise Http404


def roster_template(request):
    raise Http404
