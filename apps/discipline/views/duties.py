"""Discipline · duties pages."""

urlpatterns = []
NAV_ITEMS = ()
