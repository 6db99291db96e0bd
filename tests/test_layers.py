"""Dependencies point one way (ARCHITECTURE rule 1): core ← orgs ← record apps ← scoring ← dashboards ← demo.

Every module under apps/ (migrations included: a migration that imports a sibling app
would tie the apps together just the same), imports inside functions included.
Siblings never import each other.
"""

import ast
from pathlib import Path

RANK = {
    "core": 0,
    "orgs": 1,
    "study": 2,
    "partylife": 2,
    "discipline": 2,
    "scoring": 3,
    "dashboards": 4,
    "demo": 5,
}
APPS = Path(__file__).resolve().parent.parent / "apps"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _violations(apps: Path = APPS) -> list[str]:
    bad = []
    for path in sorted(apps.rglob("*.py")):
        source_app = path.relative_to(apps).parts[0]
        assert source_app in RANK or source_app == "__init__.py", f"apps/{source_app} has no place in the layers"
        if source_app not in RANK:
            continue
        for line, name in _imports(path):
            parts = name.split(".")
            if len(parts) < 2 or parts[0] != "apps" or parts[1] == source_app:
                continue
            target = parts[1]
            if RANK[target] >= RANK[source_app]:
                bad.append(f"{path.relative_to(apps.parent)}:{line} {source_app} → {target}")
    return bad


def test_every_app_has_a_layer():
    present = {p.name for p in APPS.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert present <= set(RANK), present - set(RANK)


def test_no_import_runs_against_the_dependency_direction():
    assert _violations() == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    """The checker itself: a sibling import hidden in a function body is found."""
    fake = tmp_path / "apps"
    (fake / "partylife").mkdir(parents=True)
    (fake / "study").mkdir()
    (fake / "partylife" / "x.py").write_text("def f():\n    from apps.study import models\n", encoding="utf-8")
    assert _violations(fake) == ["apps/partylife/x.py:2 partylife → study"]
