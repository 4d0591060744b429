"""Faults while people work: PostgreSQL restarted (fast and immediate) under batches of
confirmations, PostgreSQL down when httpd starts, a locked row, a stopped backend.  Every
acknowledged change is in the database exactly once, the only failures are 503 with
Retry-After, and nothing waits forever.  The measured recovery times are written to
build/faults.json for the closing notes."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from data import make_class, state
from desk import batch, csrf_of
from operators import Operators, events_of as step_events, first_served, record as record_in

STEP = "student_card"
POINT = "student_affairs"
REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / "build" / "faults.json"


def record(name, value):
    record_in(FIGURES, name, value)


def events_of(env, nos):
    return step_events(env, nos, STEP)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_restart_while_confirming_batches(env, httpd, logcheck, mode):
    logcheck.expect(r"LX0101|LX0104|LX0110|AH0062\d|AH0063\d|\[dbd:(error|crit)\]")
    clients = []
    for _ in range(3):
        _, nos = make_class(env, "05", 12)
        clients.append(nos)
    user = "op_student_affairs"
    with Operators(httpd, user, POINT, STEP, clients, csrf_of(httpd, user)) as desks:
        time.sleep(1.5)
        env.cluster.restart(mode)            # returns when PostgreSQL accepts connections
        recovery = first_served(httpd, "2022010001")
        time.sleep(1.5)
    assert recovery is not None and recovery < 2, recovery
    # every acknowledged change is in the database, each exactly once, in order
    desks.check(env)
    record(f"restart_{mode}", {
        "acknowledged_batches": sum(desks.acknowledged),
        "acknowledged_changes": sum(desks.acknowledged) * 12,
        "answers": desks.answers(),
        "recovery_s": round(recovery, 3),
    })


def test_database_down_when_httpd_starts(env, httpd, logcheck):
    logcheck.expect(r"LX0101|LX0104|AH0062\d|AH0063\d|\[dbd:(error|crit)\]")
    httpd.stop()
    env.cluster.stop()
    try:
        httpd.start()
        t0 = time.monotonic()
        r = httpd.get("/lx/", user="2022010001")
        assert r.status_code == 503 and r.headers["Retry-After"] == "30"
        assert time.monotonic() - t0 < 3
    finally:
        env.cluster.start()
    recovery = first_served(httpd, "2022010001")
    assert recovery is not None and recovery < 2, recovery
    record("database_down_at_httpd_start", {"recovery_s": round(recovery, 3)})


def test_locked_row_fails_within_lock_timeout(env, httpd, logcheck):
    logcheck.expect(r"LX0104")
    _, nos = make_class(env, "05", 3)
    holder = subprocess.Popen(
        ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/psql", "-X", "-q",
         "-h", str(env.cluster.sock), "-d", "lixiao"],
        stdin=subprocess.PIPE, text=True)
    try:
        holder.stdin.write(f"BEGIN; SELECT 1 FROM lx.student WHERE student_no = '{nos[1]}' "
                           "FOR UPDATE; SELECT pg_sleep(30);\n")
        holder.stdin.flush()
        time.sleep(1)
        t0 = time.monotonic()
        r = batch(httpd, "op_student_affairs", POINT, nos[0], STEP, "class", nos, timeout=30)
        elapsed = time.monotonic() - t0
        assert r.status_code == 503 and r.headers["Retry-After"] == "30", r.status_code
        assert elapsed < 6, elapsed           # lock_timeout is 3 s
    finally:
        holder.kill()
        holder.wait()
    # nothing of the batch was written
    assert [state(env, n, STEP) for n in nos] == ["pending"] * 3
    assert events_of(env, nos) == {n: [] for n in nos}
    record("locked_row", {"answered_s": round(elapsed, 3)})


def test_stopped_backend_fails_within_the_module_deadline(env, httpd, logcheck):
    logcheck.expect(r"LX0110|LX0104|LX0101")
    for _ in range(5):
        assert httpd.get("/lx/", user="2022010001").status_code == 200
    pids = [int(p[0]) for p in env.cluster.psql(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'mod_lixiao'")]
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        r = httpd.get("/lx/", user="2022010001", timeout=60)
        elapsed = time.monotonic() - t0
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    # LixiaoDBTimeout 8: the worker gives up on the stopped backend, never waits forever
    assert r.status_code == 503 and r.headers["Retry-After"] == "30", r.status_code
    assert 7 < elapsed < 12, elapsed
    recovery = first_served(httpd, "2022010001")
    assert recovery is not None and recovery < 2, recovery
    record("stopped_backend", {"answered_s": round(elapsed, 3), "recovery_s": round(recovery, 3)})
