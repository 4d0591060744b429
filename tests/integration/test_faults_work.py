"""Faults while people work: PostgreSQL restarted (fast and immediate) under batches of
confirmations, PostgreSQL down when httpd starts, a locked row, a stopped backend.  Every
acknowledged change is in the database exactly once, the only failures are 503 with
Retry-After, and nothing waits forever.  The measured recovery times are written to
build/faults.json for the closing notes."""
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from data import make_class, state
from desk import batch, csrf_of, outcomes

STEP = "student_card"
POINT = "student_affairs"
REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / "build" / "faults.json"


def record(name, value):
    FIGURES.parent.mkdir(exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")


def events_of(env, nos):
    rows = env.cluster.psql(f"""
        SELECT s.student_no, e.kind FROM lx.event e JOIN lx.student s ON s.id = e.student_id
         WHERE s.student_no IN ({",".join(f"'{n}'" for n in nos)})
           AND e.step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
         ORDER BY e.id""")
    out = {n: [] for n in nos}
    for no, kind in rows:
        out[no].append(kind)
    return out


def first_served(httpd, user, deadline_s=20):
    """Seconds until the first 200 of the user's page (polling every 20 ms)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        try:
            if httpd.get("/lx/", user=user, timeout=10).status_code == 200:
                return time.monotonic() - t0
        except Exception:
            pass
        time.sleep(0.02)
    return None


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_restart_while_confirming_batches(env, httpd, logcheck, mode):
    logcheck.expect(r"LX0101|LX0104|LX0110|AH0062\d|AH0063\d|\[dbd:(error|crit)\]")
    clients = []
    for _ in range(3):
        _, nos = make_class(env, "05", 12)
        clients.append(nos)
    user = "op_student_affairs"
    csrf = csrf_of(httpd, user)
    stop = threading.Event()
    statuses, failures = [], []
    acknowledged = [0] * len(clients)
    lock = threading.Lock()

    def work(k, nos):
        action = "confirm"
        while not stop.is_set():
            rid = uuid.uuid4().hex
            # a form answered 503 is sent again, as it was: the request id makes it safe
            while True:
                try:
                    r = batch(httpd, user, POINT, nos[0], STEP, "class", nos, action=action,
                              csrf=csrf, rid=rid, timeout=30)
                except Exception as e:        # httpd itself never goes away: a failure
                    with lock:
                        failures.append(repr(e))
                    return
                with lock:
                    statuses.append(r.status_code)
                if r.status_code == 503:
                    if r.headers.get("Retry-After") != "30":
                        with lock:
                            failures.append(("503 without Retry-After", dict(r.headers)))
                    time.sleep(0.05)
                    continue
                break
            if r.status_code != 200:
                with lock:
                    failures.append((r.status_code, r.text[:300]))
                return
            got = {o for _, _, o, _ in outcomes(r)}
            if not got <= {"ok", "replayed"}:
                with lock:
                    failures.append(("outcomes", got))
                return
            acknowledged[k] += 1
            action = "revoke" if action == "confirm" else "confirm"

    threads = [threading.Thread(target=work, args=(k, nos)) for k, nos in enumerate(clients)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        env.cluster.restart(mode)            # returns when PostgreSQL accepts connections
        recovery = first_served(httpd, "2022010001")
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not failures, failures[:5]
    assert recovery is not None and recovery < 2, recovery
    assert set(statuses) <= {200, 503}, set(statuses)

    # every acknowledged change is in the database, each exactly once, in order
    for k, nos in enumerate(clients):
        assert acknowledged[k] > 2, acknowledged
        history = events_of(env, nos)
        for n in nos:
            expected = [("confirm", "revoke")[i % 2] for i in range(acknowledged[k])]
            assert history[n] == expected, (n, history[n], acknowledged[k])
            assert state(env, n, STEP) == ("done" if acknowledged[k] % 2 else "pending")
    record(f"restart_{mode}", {
        "acknowledged_batches": sum(acknowledged),
        "acknowledged_changes": sum(acknowledged) * 12,
        "answers": {str(s): statuses.count(s) for s in sorted(set(statuses))},
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
