"""Discipline · talks pages."""

urlpatterns = []
NAV_ITEMS = ()
