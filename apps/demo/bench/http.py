"""Page and API latency against gunicorn started here, with 1 and 8 concurrent clients.

Gunicorn runs as docker/gunicorn.conf.py runs it (sync workers, `BENCH_WORKERS`, default 3) with production
settings (DJANGO_DEBUG=false, static files collected and served by WhiteNoise). Each client is a `requests`
session that signed in through the login form (CSRF token from the form, cookie kept); sessions keep their
connection when the server allows it (gunicorn's sync workers close it after each response). For each URL,
every run has each client send `per_client` requests one after another; a run's p50/p95 are over all its
requests, and the figure is the median over the runs. The reference is a static file through the same workers.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings

from .timing import percentile

REFERENCE_PATH = "/static/css/portal.css"
LIST, DASHBOARD, REFERENCE = "列表", "工作台", "参照"
TARGET_MS = {LIST: 300, DASHBOARD: 500}


@dataclass(frozen=True)
class Target:
    """A URL measured as one user; `kind` chooses its target (lists 300 ms, dashboards 500 ms at p95)."""

    label: str
    path: str
    user: str
    kind: str


def targets(committee: str, unit_user: str) -> list[Target]:
    c, u = committee, unit_user
    return [
        Target("静态文件（参照）", REFERENCE_PATH, c, REFERENCE),
        Target("工委工作台 /", "/", c, DASHBOARD),
        Target("组织生活落实情况总览", "/partylife/overview/", c, DASHBOARD),
        Target("组织生活日历", "/partylife/calendar/", c, DASHBOARD),
        Target("活动记录列表（工委）", "/partylife/activities/", c, LIST),
        Target("党员名册（工委）", "/orgs/members/", c, LIST),
        Target("学习台账（工委）", "/study/progress/table/", c, LIST),
        Target("审计日志", "/audit/", c, LIST),
        Target("API 活动记录", "/api/partylife/activities/", c, LIST),
        Target("API 党员", "/api/members/", c, LIST),
        Target("API 自学", "/api/study/self-study/", c, LIST),
        Target("API 整改", "/api/discipline/rectifications/", c, LIST),
        Target("单位工作台 /", "/", u, DASHBOARD),
        Target("单位活动记录列表", "/partylife/activities/", u, LIST),
        Target("单位党员名册", "/orgs/members/", u, LIST),
        Target("单位组织生活日历", "/partylife/calendar/", u, DASHBOARD),
        Target("单位 API 活动记录", "/api/partylife/activities/", u, LIST),
    ]


@dataclass
class Latency:
    target: Target
    clients: int
    p50_ms: float
    p95_ms: float
    requests: int
    errors: list[str] = field(default_factory=list)

    @property
    def target_ms(self) -> int | None:
        return TARGET_MS.get(self.target.kind)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    """Production settings for the server: debug off, plain HTTP on the loopback."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )
    return env


class Server:
    """gunicorn on a free loopback port, for the time of a `with` block."""

    def __init__(self, database_url: str, *, workers: int, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = server_env(database_url)
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        root = str(settings.BASE_DIR)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=root, env=self.env, check=True)
        command = [sys.executable, "-m", "gunicorn", "organ_portal.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "120"]
        command += ["--error-logfile", str(self.log), "--log-level", "warning"]
        with open(self.log, "ab") as log:  # never the caller's stdout: a server left behind would hold it open
            self.process = subprocess.Popen(command, cwd=root, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn 已退出（{self.process.returncode}），见 {self.log}")
            try:
                requests.get(self.base + "/accounts/login/", timeout=30)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn 120 秒内未就绪，见 {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(base: str, username: str, password: str) -> requests.Session:
    """A session signed in through the login form, as a browser does it."""
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30)
    match = _CSRF.search(page.text)
    if match is None:
        raise RuntimeError("登录页没有 CSRF 令牌")
    answer = session.post(
        base + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
        headers={"Referer": base + "/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"{username} 登录失败（HTTP {answer.status_code}）")
    return session


def _timed_gets(session: requests.Session, url: str, count: int) -> tuple[list[float], list[str]]:
    times, errors = [], []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, timeout=120, allow_redirects=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            errors.append(f"HTTP {response.status_code}")
        times.append(elapsed * 1000)
    return times, errors


def measure(base: str, target: Target, sessions: list[requests.Session], *, runs: int, per_client: int) -> Latency:
    """p50/p95 of `target` with len(sessions) concurrent clients: the median over `runs` runs."""
    url = base + target.path
    clients = len(sessions)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(lambda s: _timed_gets(s, url, 1), sessions))  # warm up every worker and connection
        p50s, p95s, errors, total = [], [], [], 0
        for _ in range(runs):
            results = list(pool.map(lambda s: _timed_gets(s, url, per_client), sessions))
            times = [t for ts, _ in results for t in ts]
            errors += [e for _, es in results for e in es]
            total += len(times)
            p50s.append(percentile(times, 0.5))
            p95s.append(percentile(times, 0.95))
    return Latency(target, clients, statistics.median(p50s), statistics.median(p95s), total, sorted(set(errors)))


def run_all(
    base: str,
    pages: list[Target],
    *,
    password: str,
    clients: tuple[int, ...] = (1, 8),
    runs: int,
    per_client: int,
    progress=None,
) -> list[Latency]:
    """Every target with each number of clients; sessions are signed in once per user and client."""
    out = []
    for count in clients:
        users = sorted({t.user for t in pages})
        sessions = {user: [login(base, user, password) for _ in range(count)] for user in users}
        for target in pages:
            result = measure(base, target, sessions[target.user], runs=runs, per_client=per_client)
            if progress is not None:
                progress(f"{target.label} ×{count}: p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms")
            out.append(result)
    return out
