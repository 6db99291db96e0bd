"""A test-only metric the real worker imports (`worker(..., include=(__name__,))`), never the test process: it
says it has started (a file) and then waits while a gate file exists, so a test can kill the worker mid-run."""

import os
import time
from pathlib import Path

from apps.core.metrics import register

KEY = "tests.slow_gate"
GATE = "SLOW_METRIC_GATE"  # environment: the gate file; "<gate>.started" is written when the metric begins


@register(KEY, label="测试用：等待闸门", unit="个")
def slow_gate(period, *, today):
    gate = Path(os.environ[GATE])
    Path(f"{gate}.started").write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 120
    while gate.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return {}
