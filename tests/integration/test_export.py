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
# the number columns of the exports, by their PostgreSQL type (integer, bigint); all else is text
NUMBER_COLUMNS = {"id", "students", "cleared", "applicable", "done", "gained", "lacking_count"}
NAMES = ["=1+1", '=HYPERLINK("http://x","y")', "\t测试", "-1", "+1"]


def planted(env):
    """A class of college 01 whose students a spreadsheet would run: their names, the class's
    name, the dorm building; the first student has a student number with a leading zero.
    Returns (code, nos, cohort)."""
    code, nos = make_class(env, "01", len(NAMES), party_member=True)
    zero = "0" + nos[0][1:]
    env.cluster.psql(f"""
        UPDATE lx.student SET student_no = '{zero}' WHERE student_no = '{nos[0]}';
        UPDATE lx.class SET name = '@SUM(1)' WHERE code = '{code}';
        UPDATE lx.dorm_room d SET building = '+' || d.building
          FROM lx.student st WHERE st.dorm_room_id = d.id AND st.student_no = '{zero}';""")
    for no, name in zip([zero] + nos[1:], NAMES):
        env.cluster.psql(f"UPDATE lx.student SET name = $q${name}$q$ WHERE student_no = '{no}'")
    nos = [zero] + nos[1:]
    cohort = env.cluster.psql(f"SELECT cohort_id FROM lx.student WHERE student_no = '{zero}'")[0][0]
    return code, nos, cohort


def export_urls(code, cohort):
    """Every export: the desk's two kinds, the administrator's, every table of /lx/stats."""
    return [("op_college_01", "/lx/op/export?at=college:01&kind=pending&step=party_transfer"),
            ("op_college_01", "/lx/op/export?at=college:01&kind=cleared"),
            ("admin", "/lx/admin/export?kind=cleared"),
            ("admin", "/lx/admin/export?kind=cleared&college=01"),
            ("leader", f"/lx/stats?table=pending&class={code}"),
            ("leader", f"/lx/stats?table=class&cohort={cohort}&college=01"),
            ("leader", f"/lx/stats?table=college&cohort={cohort}"),
            ("leader", f"/lx/stats?table=step&cohort={cohort}"),
            ("leader", f"/lx/stats?table=day&cohort={cohort}"),
            ("leader", "/lx/stats?table=cohort")]


def test_every_text_cell_of_every_csv_export_is_guarded(httpd, env):
    """Only the desk export's name column was guarded: the class, the dorm room and every
    statistics table wrote =1+1, @SUM(1), +1, -1 as they are."""
    code, nos, cohort = planted(env)
    seen = set()
    for user, url in export_urls(code, cohort):
        url = url + ("&format=csv" if url.startswith("/lx/stats") else "")
        for enc in ("utf-8", "gb18030"):
            table = rows(httpd.get(url + f"&enc={enc}", user=user), enc)
            header = table[0]
            for row in table[1:]:
                assert len(row) == len(header), (url, row)
                for name, cell in zip(header, row):
                    if name in NUMBER_COLUMNS:
                        assert cell == "" or cell.lstrip("-").isdigit(), (url, name, cell)
                    else:
                        assert not cell.startswith(FORMULA_START), (url, name, cell)
                    seen.add(cell)
    assert {"'" + n for n in NAMES} <= seen, seen - {"'" + n for n in NAMES}
    assert "'@SUM(1)" in seen and nos[0] in seen
    assert any(c.startswith("'+T") for c in seen)             # the dorm room, "+T..栋 101"
    r = httpd.get(f"/lx/stats?format=csv&table=pending&class={code}", user="leader")
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in r.content.decode("utf-8-sig")


def test_xlsx_exports_keep_text_as_text_and_numbers_as_numbers(httpd, env):
    import openpyxl
    code, nos, cohort = planted(env)
    for user, url in export_urls(code, cohort):
        r = httpd.get(url + "&format=xlsx", user=user)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["Content-Type"] == \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="lixiao-'), disposition
        assert "filename*=UTF-8''%E7%A6%BB%E6%A0%A1" in disposition     # 离校...
        assert disposition.endswith(".xlsx"), disposition
        ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
        header = [c.value for c in ws[1]]
        assert header and all(c.font.b for c in ws[1]), url           # a bold header
        cells = [(header[c.column - 1], c) for row in ws.iter_rows(min_row=2) for c in row
                 if c.value is not None]
        assert cells and all(c.data_type != "f" for _, c in cells), url
        for name, c in cells:
            if name in NUMBER_COLUMNS:
                assert c.data_type == "n" and isinstance(c.value, int), (url, name, c.value)
            else:
                assert c.data_type == "s" and isinstance(c.value, str), (url, name, c.value)
        values = {c.value: c for _, c in cells}
        if "kind=pending" in url or "table=pending" in url:
            assert values[nos[0]].data_type == "s"          # 0..., every digit, as text
            for name in NAMES:
                assert values[name].data_type == "s", name  # the text itself, not a formula
        if "table=class" in url:
            assert values["@SUM(1)"].data_type == "s"
        widths = [ws.column_dimensions[chr(65 + i)].width for i in range(len(header))]
        assert all(6 <= w <= 61 for w in widths), (url, widths)   # 60 and padding
