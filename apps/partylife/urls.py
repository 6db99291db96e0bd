"""Party life URLs, gathered from one module per area (records, compliance, make-up)."""

from .urls_compliance import urlpatterns as compliance_patterns
from .urls_misc import urlpatterns as misc_patterns
from .urls_records import urlpatterns as records_patterns

app_name = "partylife"

urlpatterns = [*records_patterns, *compliance_patterns, *misc_patterns]
