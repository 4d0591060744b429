"""Two desks confirming and revoking overlapping batches at once: afterwards every state and
every event count is what some serial order of the same requests gives."""
import random
import threading
from collections import Counter

from data import make_class
from desk import batch, csrf_of, outcomes

ROUNDS = 150


def test_overlapping_batches_in_parallel(httpd, env):
    _, nos = make_class(env, "05", 30)
    clients = [("op_student_affairs", nos[:20]), ("admin", nos[10:])]
    ok = Counter()
    statuses = Counter()
    lock = threading.Lock()

    def work(user, students, seed):
        rnd = random.Random(seed)
        csrf = csrf_of(httpd, user)
        for _ in range(ROUNDS):
            action = rnd.choice(["confirm", "revoke"])
            r = batch(httpd, user, "student_affairs", students[0], "student_card", "class",
                      students, action=action, csrf=csrf)
            with lock:
                statuses[r.status_code] += 1
                if r.status_code == 200:
                    for no, _, outcome, _ in outcomes(r):
                        if outcome == "ok":
                            ok[no] += 1

    threads = [threading.Thread(target=work, args=(u, s, i)) for i, (u, s) in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert statuses == Counter({200: 2 * ROUNDS}), statuses

    rows = env.cluster.psql(f"""
        SELECT s.student_no, e.kind, e.new_state
          FROM lx.event e JOIN lx.student s ON s.id = e.student_id
         WHERE s.student_no IN ({",".join(f"'{n}'" for n in nos)})
           AND e.step_id = (SELECT id FROM lx.step WHERE code = 'student_card')
         ORDER BY e.id""")
    history = {n: [] for n in nos}
    for no, kind, new_state in rows:
        history[no].append((kind, new_state))
    finals = dict(env.cluster.psql(f"""
        SELECT s.student_no, ss.state FROM lx.step_state ss
          JOIN lx.student s ON s.id = ss.student_id
         WHERE s.student_no IN ({",".join(f"'{n}'" for n in nos)})
           AND ss.step_id = (SELECT id FROM lx.step WHERE code = 'student_card')"""))
    for n in nos:
        h = history[n]
        # each acknowledged change is exactly one event, and nothing else was logged
        assert len(h) == ok[n], (n, len(h), ok[n])
        # a serial order: confirm, revoke, confirm, ... never two of a kind in a row
        assert [k for k, _ in h] == [("confirm", "revoke")[i % 2] for i in range(len(h))], n
        assert finals[n] == (h[-1][1] if h else "pending"), n
    # the overlap really was contended
    assert sum(ok[n] for n in nos[10:20]) > 0
