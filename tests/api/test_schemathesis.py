"""Issue 11 · 8: schemathesis against /api/schema/, as a unit secretary and as the committee.

Every operation with generated data, then the stateful links schemathesis infers between them (create → read →
change → delete): no answer is a server error, and every answer — status code, content type, body — is one the
schema documents (400/403/404 included). Bounded and deterministic: a fixed number of examples per operation,
derandomized, no example database, no shrinking; every write lands in the test's own transaction.

Failures are gathered over all operations and reported together, one line per operation and check.
"""

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 3  # per operation and user: ~170 operations × 3 × 2 users ≈ 1,000 requests (keeps make test under 10 min)
SCENARIOS, STEPS = 10, 8  # stateful: scenarios per user, at most this many linked calls each

BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

LINKED = settings(BOUNDED, max_examples=SCENARIOS, stateful_step_count=STEPS)


def fuzz_operations(caller) -> list[str]:
    failures = []
    for result in caller.schema.get_all_operations():
        operation = result.ok()

        @BOUNDED
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=caller.headers, checks=CHECKS)

        try:
            check()
        except (FailureGroup, Exception) as exc:  # the checks' failures (a BaseExceptionGroup) or an app error
            failures.append(f"{operation.label}: {str(exc).strip()[:2000]}")
    return failures


def fuzz_links(caller) -> list[str]:
    """The links schemathesis infers (an id a POST answers → the GET/PATCH/DELETE of that id …), followed."""
    headers = caller.headers

    class Workflow(caller.schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=kwargs)

    try:
        Workflow.run(settings=LINKED)
    except (FailureGroup, Exception) as exc:
        return [f"stateful: {str(exc).strip()[:4000]}"]
    return []


def link_count(schema) -> int:
    return sum(
        len(answer.get("links", {}))
        for item in schema.raw_schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for answer in operation.get("responses", {}).values()
    )


@pytest.mark.parametrize("role", ["unit_secretary", "committee"])
def test_every_operation_and_link_answers_as_documented(role, caller, side_a, side_b, committee_user):
    user = committee_user if role == "committee" else side_a.unit_secretary
    fuzzer = caller(user)
    failures = fuzz_operations(fuzzer) + fuzz_links(fuzzer)
    assert not failures, f"{len(failures)} failed:\n\n" + "\n\n".join(failures)
    assert link_count(fuzzer.schema) > 100  # the links were inferred and followed, not skipped


def test_an_unknown_api_path_answers_json_404(client, side_a):
    """Found by the fuzzer: an id no route accepts (`/api/…/-4.2e-286/publish/`) got the HTML 404 page."""
    client.force_login(side_a.unit_secretary)
    response = client.post("/api/discipline/duty-templates/-4.2e-286/publish/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "接口或对象不存在。"}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")  # pages keep the HTML page
