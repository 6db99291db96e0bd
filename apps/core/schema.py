"""The API schema documents the error answers of every operation (issue 11 · 8).

A drf-spectacular postprocessing hook: every operation gets the answers the shared exception handler
(`apps.core.api.exception_handler`) and DRF give it — 400 with field errors, 401/403 with a `detail`, 404 with
a `detail` — unless the view documents its own. Clients and the fuzzer (tests/api) read them from the schema.
"""

DETAIL = "ErrorDetail"
VALIDATION = "ValidationErrors"

COMPONENTS = {
    DETAIL: {
        "type": "object",
        "description": "一条说明（中文）。",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION: {
        "type": "object",
        "description": "按字段列出的错误（中文）：{字段: [说明, …]}；不属于某个字段的错误在 non_field_errors；"
        "请求本身无法解析时为 {detail: 说明}。",
        "additionalProperties": {},
    },
}

ERRORS = {
    "400": ("请求有误：按字段列出的错误，不做任何修改。", VALIDATION),
    "401": ("未登录或凭据无效。", DETAIL),
    "403": ("没有执行该操作的权限，或未登录。", DETAIL),
    "404": ("对象不存在，或不在您的可见范围内。", DETAIL),
}

METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _answer(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def document_error_answers(result, generator, request, public):
    """Postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): add the error answers."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, component) in ERRORS.items():
                responses.setdefault(status, _answer(description, component))
    return result
