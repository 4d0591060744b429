"""The page cache (issue 23): a student's own page is rendered once per change and kept in the
node's shared memory (LixiaoPageCache, mod_socache's shmcb); each view reads the sheet's
version from the database first, so a change is never hidden, and a kept page is served only
to the student it was made for.  What a page says of its own request (the time, the request
id) is that request's, not the one that rendered it."""
import re

import pytest

from data import confirm_via_door, students_who_log_in

MARK = re.compile(r"lx[TR][0-9a-f]{24}")
REQUEST_ID = re.compile(r"请求编号 <code>([^<]*)</code>")


def sheet_renders(env):
    """How many times the sheet itself was read (lx.student_sheet) since the last reset."""
    return int(env.cluster.psql("""
        SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
         WHERE query LIKE '%lx.student_sheet(%'""")[0][0])


def reset(env):
    env.cluster.psql("SELECT pg_stat_statements_reset()")


def own_page(httpd, no):
    r = httpd.get("/lx/", user=no)
    assert r.status_code == 200, r.text[:300]
    assert not MARK.search(r.text), MARK.search(r.text).group(0)
    return r


@pytest.fixture(scope="module")
def two(env):
    """Two students who can log in, with different names of Chinese characters only (another
    test may have given some students hostile names: tabs, markup, which neither psql's rows nor
    a plain search of the page would keep), from the end of the demo's list, which the tests
    that name demo students do not use."""
    # the demo's (a test may have made students who can log in too: test_desk's, numbered 29…)
    nos = [n for n in students_who_log_in(env, 10 ** 6) if not n.startswith("29")][-60:]
    # the first one with a pending step that people confirm (test_a_change_is_shown_...)
    names = dict(env.cluster.psql(
        "SELECT student_no, name FROM lx.student s WHERE name ~ '^[一-龥]+$' AND student_no IN ("
        + ",".join(f"'{n}'" for n in nos) + ") ORDER BY NOT EXISTS (SELECT 1 FROM lx.step_state"
        " ss JOIN lx.step st ON st.id = ss.step_id WHERE ss.student_id = s.id"
        " AND ss.state = 'pending' AND st.automatic IS NULL AND NOT st.certificate), student_no"))
    a = next(iter(names))
    b = next(n for n in names if names[n] != names[a])
    return (a, names[a]), (b, names[b])


def confirm_something(env, no):
    """Confirm one of the student's pending steps that the door lets through now (no missing
    prerequisite, not automatic); its name."""
    for code, name in env.cluster.psql(f"""
            SELECT st.code, st.name FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
              JOIN lx.student s ON s.id = ss.student_id
             WHERE s.student_no = '{no}' AND ss.state = 'pending' AND st.automatic IS NULL
             ORDER BY st.certificate, st.sort"""):
        if confirm_via_door(env, [no], code) == [["ok"]]:
            return name
    pytest.fail(f"{no} has no pending step to confirm")


def test_a_second_view_is_not_rendered_again(httpd, env, two):
    (a, _), _ = two
    own_page(httpd, a)                  # rendered and kept (or kept already)
    reset(env)
    pages = [own_page(httpd, a) for _ in range(5)]
    assert sheet_renders(env) == 0
    # each says its own request id; apart from it and the time the page is the same
    ids = [REQUEST_ID.search(p.text).group(1) for p in pages]
    assert len(set(ids)) == 5 and all(ids), ids
    same = {REQUEST_ID.sub("", p.text) for p in pages}
    assert len(same) <= 2               # the minute may turn between them
    assert pages[0].headers["ETag"] == pages[-1].headers["ETag"]
    assert pages[0].headers["Cache-Control"] == "no-store"


def test_a_change_is_shown_on_the_next_view(httpd, env, two):
    (a, _), _ = two
    before = own_page(httpd, a)
    own_page(httpd, a)
    reset(env)
    step = confirm_something(env, a)
    after = own_page(httpd, a)
    assert sheet_renders(env) == 1
    assert after.headers["ETag"] != before.headers["ETag"]
    row = after.text[after.text.index(f'<span class="name">{step}</span>'):]
    assert "state-done" in row[:row.index("</tr>")]


def test_a_kept_page_is_never_served_to_another_student(httpd, two):
    (a, name_a), (b, name_b) = two
    for _ in range(10):
        pa, pb = own_page(httpd, a).text, own_page(httpd, b).text
        assert a in pa and name_a in pa and b not in pa and name_b not in pa
        assert b in pb and name_b in pb and a not in pb and name_a not in pb


def test_the_cache_is_off_when_the_directive_says_so(httpd, env, two):
    (a, _), _ = two
    with httpd.extra_conf("pagecache", "LixiaoPageCache none\n"):
        own_page(httpd, a)
        reset(env)
        for _ in range(3):
            own_page(httpd, a)
        assert sheet_renders(env) == 3


@pytest.mark.parametrize("directive,message", [
    ("LixiaoPageCache nosuch:x(1)", "LixiaoPageCache nosuch:x(1): no such mod_socache provider"),
    ("LixiaoPageCache shmcb:x(100)", "size has to be >= 8192 bytes"),
])
def test_a_bad_page_cache_is_refused_at_start(env, tmp_path, directive, message):
    from test_config import try_start
    code, out = try_start(env, tmp_path, lambda c: c + "\n" + directive + "\n")
    assert code != 0 and message in out, out[-800:]


def test_the_pages_of_many_students_are_all_kept(httpd, env):
    """The default 32 MB holds about 2,000 pages.  shmcb picks a subcache by an id's first byte;
    ids that began with the student number (all "20...") shared one subcache of 2 MB, and the
    second view of the 200th student found their page scrolled out."""
    nos = students_who_log_in(env, 200)
    assert len(nos) == 200
    for n in nos:
        own_page(httpd, n)
    reset(env)
    for n in nos:
        own_page(httpd, n)
    assert sheet_renders(env) == 0
