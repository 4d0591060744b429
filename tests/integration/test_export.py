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


FORMULA_START = tuple("=+-@\t\r")


def is_number(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False


def planted(env, college="01"):
    """A student whose name, class name and dorm building a spreadsheet would run."""
    code, (s,) = make_class(env, college, 1, party_member=True)
    env.cluster.psql(f"""
        UPDATE lx.student SET name = '=1+1' WHERE student_no = '{s}';
        UPDATE lx.class SET name = '@SUM(1)' WHERE code = '{code}';
        UPDATE lx.dorm_room d SET building = '+' || d.building
          FROM lx.student st WHERE st.dorm_room_id = d.id AND st.student_no = '{s}';""")
    cohort = env.cluster.psql(f"SELECT cohort_id FROM lx.student WHERE student_no = '{s}'")[0][0]
    return code, s, cohort


def export_urls(code, cohort):
    return [("op_college_01", "/lx/op/export?at=college:01&kind=pending&step=party_transfer"),
            ("admin", "/lx/admin/export?kind=cleared"),
            ("leader", f"/lx/stats?table=pending&class={code}"),
            ("leader", f"/lx/stats?table=class&cohort={cohort}&college=01"),
            ("leader", f"/lx/stats?table=college&cohort={cohort}"),
            ("leader", f"/lx/stats?table=step&cohort={cohort}"),
            ("leader", "/lx/stats?table=cohort")]


def test_every_text_cell_of_every_csv_export_is_guarded(httpd, env):
    """Only the desk export's name column was guarded: the class, the dorm room and every
    statistics table wrote =1+1, @SUM(1), +1 as they are."""
    code, s, cohort = planted(env)
    seen = set()
    for user, url in export_urls(code, cohort):
        url = url + ("&format=csv" if url.startswith("/lx/stats") else "")
        for enc in ("utf-8", "gb18030"):
            table = rows(httpd.get(url + f"&enc={enc}", user=user), enc)
            for row in table:
                for cell in row:
                    assert not cell.startswith(FORMULA_START) or is_number(cell), (url, cell)
                    seen.add(cell)
    assert {"'=1+1", "'@SUM(1)"} <= seen
    assert any(c.startswith("'+") for c in seen)             # the dorm room, "+楼 101"


def test_xlsx_exports_keep_text_as_text_and_numbers_as_numbers(httpd, env):
    import openpyxl
    code, s, cohort = planted(env)
    for user, url in export_urls(code, cohort):
        r = httpd.get(url + "&format=xlsx", user=user)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        assert r.headers["Content-Disposition"].endswith('.xlsx"')
        ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        assert cells and all(c.data_type != "f" for c in cells), url
        if "table=class" in url or "table=college" in url:
            assert any(c.data_type == "n" and isinstance(c.value, int) for c in cells), url
        if "kind=pending" in url or "table=pending" in url:
            by_value = {c.value: c for c in cells}
            assert by_value[s].data_type == "s"                 # the student number as text
            assert by_value["=1+1"].data_type == "s"            # a formula's text, not a formula
