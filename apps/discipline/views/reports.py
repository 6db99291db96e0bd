"""Discipline · reports pages."""

urlpatterns = []
NAV_ITEMS = ()
