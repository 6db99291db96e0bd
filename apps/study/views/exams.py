"""Study · exams pages."""

urlpatterns = []
NAV_ITEMS = ()
