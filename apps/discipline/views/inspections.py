"""Discipline · inspections pages."""

urlpatterns = []
NAV_ITEMS = ()
