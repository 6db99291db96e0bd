"""Study · knowledge pages."""

urlpatterns = []
NAV_ITEMS = ()
