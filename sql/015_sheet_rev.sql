-- 015_sheet_rev: the version of a student's sheet is written, not computed.
--
-- 013 computed it on every request from the xmins of the student's rows (states, lifted gates,
-- loans): correct without writing anything, but a revalidation (304) then cost a PL/pgSQL call
-- nesting another with four subqueries, 160 µs of database time, three times the cost of the
-- statement itself.  Now every statement that changes those rows gives the students it touched a
-- new number from one sequence (statement triggers: a batch of 40 is one upsert), and the
-- version is that number and the configuration's revision.  A number from a sequence is never
-- given twice, so a version never comes back after a change, even across a rolled-back
-- transaction.
--
-- lx.student_accounts and lx.operator_accounts replace lx.account (013) with views: the module
-- asks them with plain prepared statements (WHERE login = $1), which PostgreSQL plans once per
-- connection and runs without a function call: the one statement of a 304.

CREATE SEQUENCE lx.sheet_rev_seq;

CREATE TABLE lx.sheet_rev (
    student_id  integer PRIMARY KEY,
    rev         bigint NOT NULL
) WITH (fillfactor = 50);       -- updated in place (HOT): the key never changes

INSERT INTO lx.sheet_rev (student_id, rev)
SELECT id, nextval('lx.sheet_rev_seq') FROM lx.student;

-- New revisions for a set of students (their rows are locked by the writer already: lx.change
-- and lx.sync_steps lock the students first, in id order).
CREATE FUNCTION lx.sheet_touch(p_students integer[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    INSERT INTO lx.sheet_rev AS t (student_id, rev)
    SELECT sid, nextval('lx.sheet_rev_seq')
      FROM (SELECT DISTINCT sid FROM unnest(p_students) AS sid ORDER BY 1) x
    ON CONFLICT (student_id) DO UPDATE SET rev = EXCLUDED.rev
$$;

-- One trigger function for the tables whose rows are on the sheet; TG_ARGV[0] names the column
-- that holds the student's id.
CREATE FUNCTION lx.sheet_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM lx.sheet_touch(ARRAY(SELECT student_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM lx.sheet_touch(ARRAY(SELECT student_id FROM old_rows));
    ELSE
        PERFORM lx.sheet_touch(ARRAY(SELECT student_id FROM new_rows
                                     UNION SELECT student_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

-- The student's own row (its id is "id"): the same, in a function of its own.
CREATE FUNCTION lx.sheet_changed_student() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM lx.sheet_rev r USING old_rows o WHERE r.student_id = o.id;
    ELSE
        PERFORM lx.sheet_touch(ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['step_state', 'override', 'student_loan'] LOOP
        EXECUTE format('CREATE TRIGGER sheet_changed_ins AFTER INSERT ON lx.%I '
                       'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION lx.sheet_changed()', t);
        EXECUTE format('CREATE TRIGGER sheet_changed_upd AFTER UPDATE ON lx.%I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION lx.sheet_changed()', t);
        EXECUTE format('CREATE TRIGGER sheet_changed_del AFTER DELETE ON lx.%I '
                       'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION lx.sheet_changed()', t);
    END LOOP;
END
$$;
CREATE TRIGGER sheet_changed_ins AFTER INSERT ON lx.student
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.sheet_changed_student();
CREATE TRIGGER sheet_changed_upd AFTER UPDATE ON lx.student
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.sheet_changed_student();
CREATE TRIGGER sheet_changed_del AFTER DELETE ON lx.student
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.sheet_changed_student();

-- The version as 013 gave it, now read: the student's revision and the configuration's.
-- (PL/pgSQL, as in 013: a scalar SQL function with a FROM clause is planned on every call.)
CREATE OR REPLACE FUNCTION lx.sheet_version(p_student_id integer) RETURNS text
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (SELECT coalesce(r.rev, 0) || '.' || c.rev
              FROM lx.student s
              CROSS JOIN lx.config_version c
              LEFT JOIN lx.sheet_rev r ON r.student_id = s.id
             WHERE s.id = p_student_id);
END
$$;

-- Who a login is: an active operator (a row per point assignment), else a student (one row,
-- with the version of their sheet).  Two views, asked in this order by the module: a student's
-- request (nearly all on graduation day) is then one statement on four relations, fewer than
-- half of what the union of both costs to start up.
CREATE VIEW lx.student_accounts AS
SELECT s.student_no AS login, 'student'::text AS kind, s.name, false AS is_admin,
       false AS is_leader, NULL::text AS point_code, NULL::text AS point_name,
       NULL::boolean AS point_deferral, NULL::text AS college_code, NULL::text AS college_name,
       coalesce(r.rev, 0) || '.' || v.rev AS sheet_version
  FROM lx.student s
  CROSS JOIN lx.config_version v
  LEFT JOIN lx.sheet_rev r ON r.student_id = s.id
 WHERE NOT EXISTS (SELECT 1 FROM lx.operator o WHERE o.login = s.student_no AND o.active);

-- ask it WHERE login = $1 ORDER BY point_code, college_code
CREATE VIEW lx.operator_accounts AS
SELECT o.login, 'operator'::text AS kind, o.name, o.is_admin, o.is_leader,
       p.code AS point_code, p.name AS point_name, p.deferral AS point_deferral,
       c.code AS college_code, c.name AS college_name, NULL::text AS sheet_version
  FROM lx.operator o
  LEFT JOIN lx.operator_point op ON op.login = o.login
  LEFT JOIN lx.point p ON p.id = op.point_id
  LEFT JOIN lx.college c ON c.id = op.college_id
 WHERE o.active;

-- the views replace the function: nothing else called it
DROP FUNCTION lx.account(text);
