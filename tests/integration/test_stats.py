"""The live counters: exact at every moment, under concurrent confirms and revokes, without
scanning lx.step_state."""
import random
import threading

from data import make_class
from desk import batch, confirm, csrf_of, desk_xml, revoke


def differences(env):
    return env.cluster.psql("SELECT * FROM lx.stat_differences()")


def test_counters_equal_direct_counts_after_everything_so_far(env):
    assert differences(env) == []


def test_random_concurrent_changes_keep_every_figure_exact(httpd, env):
    classes = [make_class(env, "06", 8, party_member=True)[1] for _ in range(3)]
    users = ["op_college_06", "admin", "op_student_affairs"]
    errors = []

    def work(seed):
        rnd = random.Random(seed)
        csrfs = {u: csrf_of(httpd, u) for u in users}
        for _ in range(60):
            nos = rnd.choice(classes)
            pick = rnd.sample(nos, rnd.randint(1, len(nos)))
            kind = rnd.choice(["card", "card-revoke", "party", "party-revoke", "instruments"])
            if kind.startswith("card"):
                user, at, step = rnd.choice([("op_student_affairs", "student_affairs"),
                                             ("admin", "student_affairs")]) + ("student_card",)
                r = batch(httpd, user, at, nos[0], step, "class", pick,
                          action="revoke" if kind.endswith("revoke") else "confirm",
                          csrf=csrfs[user])
            elif kind == "party":
                r = confirm(httpd, "op_college_06", "college:06", pick[0], ["party_transfer"],
                            csrf=csrfs["op_college_06"])
            elif kind == "party-revoke":
                r = revoke(httpd, "op_college_06", "college:06", pick[0], "party_transfer",
                           csrf=csrfs["op_college_06"])
            else:
                r = confirm(httpd, "admin", "college:06", pick[0], ["instruments"],
                            csrf=csrfs["admin"])
            if r.status_code not in (200, 409):
                errors.append((kind, r.status_code, r.text[:200]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert differences(env) == []
    # the desk's statistics area says what a direct count says
    direct = dict(env.cluster.psql("""
        SELECT st.code, count(*) FILTER (WHERE ss.state = 'done')
          FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
          JOIN lx.cohort c ON c.id = ss.cohort_id AND NOT c.closed
         WHERE st.code IN ('student_card', 'source_loan') GROUP BY st.code"""))
    doc = desk_xml(httpd, "op_student_affairs")
    for s in doc.find("desk/stats"):
        assert s.get("done") == direct[s.get("code")], s.get("code")


def test_statistics_queries_never_scan_the_state_table(env):
    """EXPLAIN every statistics query; on the small test data the planner may prefer a scan
    anyway, so scans are priced out: a sequential scan left in the plan means the query has no
    other way to get its figures."""
    point, college = env.cluster.psql("""SELECT p.id, c.id FROM lx.point p, lx.college c
                                          WHERE p.code = 'college' AND c.code = '01'""")[0]
    lib = env.cluster.psql("SELECT id FROM lx.point WHERE code = 'library'")[0][0]
    for sql in (f"SELECT * FROM lx.desk_stats({point}, {college})",
                f"SELECT * FROM lx.desk_stats({lib}, NULL)"):
        plan = "\n".join(r[0] for r in env.cluster.psql(
            f"SET enable_seqscan = off; EXPLAIN {sql}"))
        assert "stat_college" in plan, plan          # the function was inlined: a real plan
        assert "Seq Scan on step_state" not in plan, plan
