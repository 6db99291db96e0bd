"""Discipline · education pages."""

urlpatterns = []
NAV_ITEMS = ()
