"""CSV exports: pending and cleared lists within the operator's scope, UTF-8 and GB18030."""
import csv
import io

from data import make_class, confirm_via_door


def rows(r, enc="utf-8"):
    assert r.status_code == 200, r.text[:300]
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.content.decode("utf-8-sig" if enc == "utf-8" else "gb18030")
    return list(csv.reader(io.StringIO(text)))


def test_pending_list_of_a_desk_is_its_scope(httpd, env):
    _, mine = make_class(env, "01", 3, party_member=True)
    _, theirs = make_class(env, "02", 2, party_member=True)
    confirm_via_door(env, mine[:1], "party_transfer")
    r = httpd.get("/lx/op/export?at=college:01&kind=pending&step=party_transfer",
                  user="op_college_01")
    assert r.content.startswith(b"\xef\xbb\xbf")            # Excel reads UTF-8 with a BOM
    table = rows(r)
    assert table[0][:2] == ["学号", "姓名"]
    nos = {row[0] for row in table[1:]}
    assert set(mine[1:]) <= nos and mine[0] not in nos and not set(theirs) & nos
    expected = env.cluster.psql("""
        SELECT count(*) FROM lx.step_state ss JOIN lx.student s ON s.id = ss.student_id
          JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
         WHERE ss.step_id = (SELECT id FROM lx.step WHERE code = 'party_transfer')
           AND ss.state = 'pending' AND s.college_id = (SELECT id FROM lx.college
                                                         WHERE code = '01')""")[0][0]
    assert len(table) - 1 == int(expected)
    # one class, and GB18030 for older Excel
    code = env.cluster.psql(f"""SELECT cl.code FROM lx.student s JOIN lx.class cl
        ON cl.id = s.class_id WHERE s.student_no = '{mine[1]}'""")[0][0]
    r = httpd.get(f"/lx/op/export?at=college:01&kind=pending&step=party_transfer"
                  f"&class={code}&enc=gb18030", user="op_college_01")
    assert "gb18030" in r.headers["Content-Type"]
    assert {row[0] for row in rows(r, "gb18030")[1:]} == set(mine[1:])


def test_exports_outside_scope_are_refused(httpd):
    assert httpd.get("/lx/op/export?at=college:02&kind=cleared",
                     user="op_college_01").status_code == 403
    assert httpd.get("/lx/op/export?at=college:01&kind=pending&step=library_books",
                     user="op_college_01").status_code == 200        # no rows: another point
    assert httpd.get("/lx/admin/export?kind=cleared", user="op_college_01").status_code == 403
    assert httpd.get("/lx/op/export?kind=cleared", user="2022010001").status_code == 403
    assert httpd.get("/lx/op/export?at=college:01&kind=pending&step=x;drop",
                     user="op_college_01").status_code == 400


def test_cleared_list_is_the_proof_list(httpd, env):
    table = rows(httpd.get("/lx/admin/export?kind=cleared", user="admin"))
    nos = {row[0] for row in table[1:]}
    assert "2022010001" in nos and "2022010002" not in nos
    expected = env.cluster.psql("""
        SELECT count(*) FROM lx.student s
         WHERE EXISTS (SELECT 1 FROM lx.step_state ss WHERE ss.student_id = s.id)
           AND NOT EXISTS (SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
                            WHERE ss.student_id = s.id AND ss.state = 'pending'
                              AND NOT st.optional)""")[0][0]
    assert len(nos) == int(expected)
    college = rows(httpd.get("/lx/admin/export?kind=cleared&college=02", user="admin"))
    names = {row[2] for row in college[1:]}
    assert len(names) <= 1


def test_formulas_are_not_exported_as_formulas(httpd, env):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    env.cluster.psql(f"UPDATE lx.student SET name = '=HYPERLINK(1)' WHERE student_no = '{s}'")
    table = rows(httpd.get("/lx/op/export?at=college:01&kind=pending&step=party_transfer",
                           user="op_college_01"))
    row = [r for r in table if r[0] == s][0]
    assert row[1] == "'=HYPERLINK(1)"
