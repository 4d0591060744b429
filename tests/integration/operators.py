"""Desks at work while something fails: operators confirm and revoke class batches in threads,
and a form answered 503 is sent again, as it was (its request id makes that safe).  Shared by
the single-node fault test (test_faults_work.py) and the cluster test (test_cluster.py), which
then check that every acknowledged change is in the event log exactly once and write their
measured figures for the closing notes."""
import json
import threading
import time
import uuid
from pathlib import Path

from data import state
from desk import batch, outcomes

REPO = Path(__file__).resolve().parents[2]


def record(figures, name, value):
    """Write value as figures[name] into the JSON file figures (build/*.json)."""
    figures.parent.mkdir(exist_ok=True)
    data = json.loads(figures.read_text()) if figures.exists() else {}
    data[name] = value
    figures.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def events_of(env, nos, step):
    """{student number: [event kinds of step, oldest first]} from env.cluster."""
    rows = env.cluster.psql(f"""
        SELECT s.student_no, e.kind FROM lx.event e JOIN lx.student s ON s.id = e.student_id
         WHERE s.student_no IN ({",".join(f"'{n}'" for n in nos)})
           AND e.step_id = (SELECT id FROM lx.step WHERE code = '{step}')
         ORDER BY e.id""")
    out = {n: [] for n in nos}
    for no, kind in rows:
        out[no].append(kind)
    return out


def first_served(httpd, user, deadline_s=20, path="/lx/"):
    """Seconds until the first 200 of the user's page at path (polling every 20 ms), None if
    none within deadline_s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        try:
            if httpd.get(path, user=user, timeout=10).status_code == 200:
                return time.monotonic() - t0
        except Exception:
            pass
        time.sleep(0.02)
    return None


class Operators:
    """One thread per class: confirm step for the whole class, then revoke it, and so on,
    through httpd (a node or the balancer), until stop().  A 503 must carry Retry-After
    retry_after and is sent again with the same request id; anything else than 200 or 503, an
    outcome other than ok or replayed, or a broken connection is a failure and ends that
    thread.  headers: extra request headers (Origin)."""

    def __init__(self, httpd, user, point, step, classes, csrf, retry_after="30", headers=None):
        self.httpd, self.user, self.point, self.step = httpd, user, point, step
        self.classes, self.csrf, self.retry_after = classes, csrf, retry_after
        self.headers = headers or {}
        self.statuses, self.failures = [], []
        self.acknowledged = [0] * len(classes)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, args=(k, nos))
                         for k, nos in enumerate(classes)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(90)

    def _fail(self, what):
        with self._lock:
            self.failures.append(what)

    def _work(self, k, nos):
        action = "confirm"
        while not self._stop.is_set():
            rid = uuid.uuid4().hex
            while True:
                try:
                    r = batch(self.httpd, self.user, self.point, nos[0], self.step, "class", nos,
                              action=action, csrf=self.csrf, rid=rid, timeout=90,
                              headers=self.headers)
                except Exception as e:        # httpd itself never goes away: a failure
                    self._fail(repr(e))
                    return
                with self._lock:
                    self.statuses.append(r.status_code)
                if r.status_code != 503:
                    break
                if r.headers.get("Retry-After") != self.retry_after:
                    self._fail(("503 without Retry-After", dict(r.headers)))
                time.sleep(0.05)
            if r.status_code != 200:
                self._fail((r.status_code, r.text[:300]))
                return
            got = {o for _, _, o, _ in outcomes(r)}
            if not got <= {"ok", "replayed"}:
                self._fail(("outcomes", got))
                return
            self.acknowledged[k] += 1
            action = "revoke" if action == "confirm" else "confirm"

    def answers(self):
        """{status: count} of every answer seen."""
        return {str(s): self.statuses.count(s) for s in sorted(set(self.statuses))}

    def check(self, env, min_batches=2):
        """No failure, only 200 and 503, and every acknowledged change in env's database (its
        states and its event log), each exactly once, in order."""
        assert not self.failures, self.failures[:5]
        assert set(self.statuses) <= {200, 503}, set(self.statuses)
        for k, nos in enumerate(self.classes):
            n_ack = self.acknowledged[k]
            assert n_ack > min_batches, self.acknowledged
            history = events_of(env, nos, self.step)
            expected = [("confirm", "revoke")[i % 2] for i in range(n_ack)]
            for n in nos:
                assert history[n] == expected, (n, history[n], n_ack)
                assert state(env, n, self.step) == ("done" if n_ack % 2 else "pending")
