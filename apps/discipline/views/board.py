"""Discipline · board pages."""

urlpatterns = []
NAV_ITEMS = ()
