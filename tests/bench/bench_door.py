"""What one door costs the database: round trips and database time of one confirm, a class
batch of 40 and a revoke, from pg_stat_statements (make bench writes them; alone:
`/usr/bin/python3 tests/bench/bench_door.py`).

Each kind of request is sent N times in a row on one keep-alive connection, as the desk's
forms send it (303 back to the desk), after pg_stat_statements_reset(); then for the module's
role lx_app: the statements it sent (calls: one round trip each, pg_stat_statements.track =
top counts the statements a client sends, not those run inside functions) and their planning
and execution time (track_planning on for the measurement).  Figures a request: the mean.
"""
import sys
import time
import uuid
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))
from lxenv import Env  # noqa: E402

STEP = "student_card"
POINT = "student_affairs"
N = 100


def classes_of(psql, revocable=False):
    """The students for whom the step is pending, class by class; revocable: only those whom
    no done certificate step keeps from revoking it."""
    rows = psql(f"""
        SELECT s.class_id, s.student_no FROM lx.student s
          JOIN lx.step_state ss ON ss.student_id = s.id
          JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
         WHERE ss.step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
           AND ss.state = 'pending'
           -- a revoke is refused while a certificate step that needs it is done
           AND (NOT {revocable} OR NOT EXISTS (SELECT 1 FROM lx.step_state cs JOIN lx.step c ON c.id = cs.step_id
                            WHERE cs.student_id = s.id AND c.certificate AND cs.state = 'done'))
         ORDER BY s.class_id, s.student_no""")
    by = {}
    for cid, no in rows:
        by.setdefault(cid, []).append(no)
    return list(by.values())


def statements(psql, role="lx_app"):
    """(calls, planning ms, execution ms, per-statement rows) of a role since the reset (every
    role: None)."""
    rows = psql(f"""
        SELECT s.calls, s.total_plan_time, s.total_exec_time, left(regexp_replace(s.query,
               '\\s+', ' ', 'g'), 150)
          FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
         WHERE {"true" if role is None else f"r.rolname = '{role}'"}
         ORDER BY s.total_exec_time DESC""")
    calls = sum(int(r[0]) for r in rows)
    plan = sum(float(r[1]) for r in rows)
    exe = sum(float(r[2]) for r in rows)
    return calls, plan, exe, [(int(r[0]), round(float(r[1]), 3), round(float(r[2]), 3), r[3])
                              for r in rows]


def measure(psql, url, op, csrf, kind, forms):
    """Send every form of `forms` once, in order, on one connection; the door's figures."""
    s = requests.Session()
    s.auth = (op, "demo")
    headers = {"Origin": url}
    # warm: the connection's statements planned once (make bench warms up likewise)
    psql("SELECT pg_stat_statements_reset()")
    t0 = time.perf_counter()
    for f in forms:
        r = s.post(url + f[0], data=dict(f[1], csrf=csrf, rid=uuid.uuid4().hex),
                   headers=headers, allow_redirects=False, timeout=20)
        if r.status_code != 303:
            Path("/tmp/door-fail.html").write_text(r.text)
        assert r.status_code == 303, (kind, f[0], r.status_code)
    wall = (time.perf_counter() - t0) * 1000 / len(forms)
    calls, plan, exe, rows = statements(psql)
    n = len(forms)
    return {"requests": n, "round_trips": round(calls / n, 2),
            "db_plan_ms": round(plan / n, 3), "db_exec_ms": round(exe / n, 3),
            "db_ms": round((plan + exe) / n, 3), "wall_ms": round(wall, 3),
            "statements": rows}


def run(psql, url, op, csrf, n=N):
    """Single confirms, batches of 40 and single revokes, N each (fewer batches when the
    data has fewer classes).  Enables track_planning while it runs."""
    psql("ALTER SYSTEM SET pg_stat_statements.track_planning = on; SELECT pg_reload_conf()")
    time.sleep(0.3)
    try:
        # the step pending again for everyone (as make bench does, straight in the table)
        psql(f"""UPDATE lx.step_state SET state = 'pending', how = NULL, by_login = NULL,
                        at = NULL, note = NULL
                  WHERE step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
                    AND state = 'done'; VACUUM ANALYZE lx.step_state""")
        classes = classes_of(psql)
        batches = [nos[:40] for nos in classes if len(nos) >= 40][:max(1, n // 4)]
        taken = {x for b in batches for x in b}
        singles = [x for nos in classes_of(psql, True) for x in nos if x not in taken]
        assert len(singles) >= n + 10 and batches, (len(singles), len(batches))

        def forty(nos):
            d = {"at": POINT, "how": "class", "s": nos[0], f"step.{STEP}": "1"}
            d.update({f"sid.{x}": "1" for x in nos})
            return ("/lx/op/confirm", d)

        def one(no):
            # the step is confirmed by class (学生证): one student is a class batch of one,
            # as make bench's scenario e sends it
            return forty([no])

        def undo(no):
            return ("/lx/op/revoke", {"at": POINT, "s": no, "step": STEP, "reason": "压测撤销"})

        # warm-up: every statement of each path planned on this connection
        warm = singles[-10:]
        measure(psql, url, op, csrf, "warm", [one(x) for x in warm[:5]] +
                [undo(x) for x in warm[:5]])
        out = {"confirm1": measure(psql, url, op, csrf, "confirm1", [one(x) for x in singles[:n]]),
               "revoke1": measure(psql, url, op, csrf, "revoke1", [undo(x) for x in singles[:n]])}
        out["batch40"] = measure(psql, url, op, csrf, "batch40", [forty(b) for b in batches])
        return out
    finally:
        psql("ALTER SYSTEM RESET pg_stat_statements.track_planning; SELECT pg_reload_conf()")


def report(out):
    for k, v in out.items():
        print(f"{k}: {v['requests']} requests, {v['round_trips']} round trips, database "
              f"{v['db_ms']:.3f} ms ({v['db_plan_ms']:.3f} planning, {v['db_exec_ms']:.3f} "
              f"execution), {v['wall_ms']:.2f} ms a request")
        for s in v["statements"]:
            print(f"    {s[0]:6d} calls  plan {s[1]:9.3f}  exec {s[2]:9.3f}  {s[3]}")


def main():
    env = Env(size=int(sys.argv[1]) if len(sys.argv) > 1 else 6000, class_size=40)
    try:
        env.start()
        psql = env.cluster.psql
        op = "bench_door_op"
        psql(f"SET ROLE lx_owner; INSERT INTO lx.operator (login, name) VALUES ('{op}', '压测');"
             f"INSERT INTO lx.operator_point (login, point_id) SELECT '{op}', id FROM lx.point "
             f"WHERE code = '{POINT}'")
        env.httpd.configure()
        env.httpd.stop()
        env.httpd.start()
        import xml.etree.ElementTree as ET
        doc = ET.fromstring(env.httpd.get(f"/lx/op?format=xml&at={POINT}", user=op).content)
        report(run(psql, env.httpd.url, op, doc.find("desk").get("csrf")))
    finally:
        env.close()


if __name__ == "__main__":
    main()
