"""Study · progress pages."""

urlpatterns = []
NAV_ITEMS = ()
