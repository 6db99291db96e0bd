"""Discipline · cards pages."""

urlpatterns = []
NAV_ITEMS = ()
