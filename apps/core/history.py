"""Change history (留痕) for pages: recent versions of a tracked object and which fields changed."""


def history_rows(obj, limit: int = 20) -> list[dict]:
    """Newest first: [{"record": historical row, "changes": [verbose names of changed fields]}]."""
    records = list(obj.history.select_related("history_user")[: limit + 1])
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(rows) == limit:
            break
        changes = []
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older)
            changes = [str(obj._meta.get_field(c.field).verbose_name) for c in delta.changes]
        rows.append({"record": newer, "changes": changes})
    return rows
