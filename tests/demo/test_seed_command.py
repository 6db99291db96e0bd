"""`manage.py seed_demo` knows no app: it runs the registered demo steps (apps.core.demo) in dependency order."""

from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core import demo
from apps.core.demo import DemoStep


@dataclass
class Log:
    calls: list[str] = field(default_factory=list)
    present: str = ""  # what the org step finds in the database


@pytest.fixture
def log(monkeypatch) -> Log:
    """Replace the registry with three steps registered out of order (c after b after a); return their calls."""
    log = Log()
    calls = log.calls

    def step(app: str, after: tuple[str, ...] = (), org_data: bool = False) -> DemoStep:
        def seed(context):
            calls.append(f"seed {app}")
            context.notes.append(f"{app} 的说明")
            return f"{app} 已写入"

        return DemoStep(
            app=app,
            label=f"{app}数据",
            after=after,
            org_data=org_data,
            seed=seed,
            reset=lambda: calls.append(f"reset {app}"),
            ensure=lambda: calls.append(f"ensure {app}"),
            present=(lambda: log.present) if org_data else None,
        )

    monkeypatch.setattr(demo, "_STEPS", {})
    demo.register(step("c", after=("b",)))
    demo.register(step("b", after=("a",)))
    demo.register(step("a", org_data=True))
    return log


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_steps_run_after_the_steps_they_build_on(db, log):
    out = run()
    assert log.calls == ["seed a", "seed b", "seed c"]
    lines = out.splitlines()
    assert lines[0].startswith("演示数据已导入：a 已写入；b 已写入；c 已写入；用时 ")
    assert lines[1:] == ["a 的说明", "b 的说明", "c 的说明"]


def test_org_only_runs_the_org_steps_and_names_the_others(db, log):
    out = run("--org-only")
    assert log.calls == ["seed a"]
    assert "a 已写入；未生成b数据（--org-only）；未生成c数据（--org-only）；用时" in out


def test_only_runs_a_step_and_the_steps_it_builds_on(db, log):
    out = run("--only", "b")
    assert log.calls == ["seed a", "seed b"]
    assert "a 已写入；b 已写入；未生成c数据（--only b）；用时" in out
    with pytest.raises(CommandError, match="invalid choice"):
        run("--only", "nobody")


def test_an_existing_demo_is_repaired_with_if_empty_refused_without_and_reset_in_reverse(db, log):
    log.present = "3 个甲"
    assert run("--if-empty") == "演示数据已存在（3 个甲），跳过导入。\n"
    assert log.calls == ["ensure a", "ensure b", "ensure c"]
    log.calls.clear()

    with pytest.raises(CommandError, match=r"已有 3 个甲.*--reset（将删除全部c数据、b数据、a数据）"):
        run()
    assert log.calls == []

    run("--reset")
    assert log.calls == ["reset c", "reset b", "reset a", "seed a", "seed b", "seed c"]


def test_a_step_after_an_unregistered_app_is_refused(monkeypatch):
    monkeypatch.setattr(demo, "_STEPS", {})
    demo.register(DemoStep(app="x", seed=lambda context: "", after=("missing",)))
    with pytest.raises(ValueError, match="missing"):
        demo.steps()


def test_the_apps_register_their_steps_orgs_first():
    steps = demo.steps()
    assert [s.app for s in steps][:2] == ["orgs", "partylife"]
    assert [s.app for s in steps if s.org_data] == ["orgs"]
