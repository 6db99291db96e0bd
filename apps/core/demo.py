"""The demo registry (演示数据): each app registers its own demo step; `manage.py seed_demo` runs them.

`apps.demo` sits above every app and knows none of them: it asks this registry for
the steps and runs them in dependency order (`after` names the apps whose rows a
step builds on), resets them in the reverse order, and prints what each wrote.

    demo.register(DemoStep(app="partylife", label="组织生活记录", after=("orgs",), seed=seed, reset=reset,
                           ensure=ensure_files))

`seed(context)` writes the app's demo rows and returns a one-line Chinese summary
(the command joins them with "；"); text meant for after that line (the accounts
table) goes into `context.notes`. `reset()` deletes them (with their history);
`ensure()` repairs what a running demo may have lost (a deleted demo file) when the
demo already exists; `present()` says what of the demo is in the database already
("40 个单位"), or "" when nothing is. `label` names what the step writes, for the
command's help and messages ("未生成组织生活记录（--org-only）"). `scale(context)` writes the app's rows at a
city or province scale for `manage.py seed_scale` (see `apps.core.scale`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scale import ScaleContext


@dataclass
class DemoContext:
    """What every step sees: the day the demo is drawn for, and what earlier steps chose to share."""

    today: dt.date
    now: dt.datetime
    org_only: bool = False
    shared: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # printed after the summary line, in step order


@dataclass(frozen=True)
class DemoStep:
    app: str
    seed: Callable[[DemoContext], str]
    reset: Callable[[], None] | None = None
    ensure: Callable[[], None] | None = None
    present: Callable[[], str] | None = None  # what of the demo exists already ("40 个单位"); "" = none
    label: str = ""  # what the step writes, in Chinese ("组织生活记录")
    after: tuple[str, ...] = ()
    org_data: bool = False  # part of the org tree: runs even with --org-only
    # `manage.py seed_scale`: writes the app's rows at a preset's scale (apps.core.scale), returns a summary
    scale: Callable[[ScaleContext], str] | None = None


_STEPS: dict[str, DemoStep] = {}


def register(step: DemoStep) -> None:
    _STEPS[step.app] = step


def steps() -> list[DemoStep]:
    """Every registered step, each after the steps it builds on (a stable topological order)."""
    ordered: list[DemoStep] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(step: DemoStep) -> None:
        if step.app in placed:
            return
        if step.app in visiting:
            raise ValueError(f"demo steps depend on each other in a circle at {step.app}")
        visiting.add(step.app)
        for dependency in step.after:
            if dependency not in _STEPS:
                raise ValueError(f"demo step {step.app} needs {dependency}, which registered no step")
            place(_STEPS[dependency])
        visiting.discard(step.app)
        placed.add(step.app)
        ordered.append(step)

    for app in sorted(_STEPS):
        place(_STEPS[app])
    return ordered


def needed_for(app: str) -> set[str]:
    """The app's step and every step it builds on, transitively (what `seed_demo --only app` runs)."""
    if app not in _STEPS:
        raise KeyError(app)
    needed: set[str] = set()
    pending = [app]
    while pending:
        current = pending.pop()
        if current not in needed:
            needed.add(current)
            pending.extend(_STEPS[current].after)
    return needed
