-- checks.sql: the row checks no constraint can express, as triggers: a valid resident ID
-- number (lx.resident_id_valid), a step's facts that exist, an operator's points that fit
-- their scope, and the event log that is appended to only.

-- GB 11643-1999: 17 digits, a check character over them, digits 7-14 a real past date.
CREATE OR REPLACE FUNCTION lx.resident_id_valid(p text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    w int[] := ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2];
    s int := 0;
    birth date;
BEGIN
    IF p !~ '^[0-9]{17}[0-9X]$' THEN
        RETURN false;
    END IF;
    FOR i IN 1..17 LOOP
        s := s + (ascii(substr(p, i, 1)) - 48) * w[i];
    END LOOP;
    IF substr('10X98765432', s % 11 + 1, 1) <> substr(p, 18, 1) THEN
        RETURN false;
    END IF;
    BEGIN
        birth := to_date(substr(p, 7, 8), 'YYYYMMDD');
    EXCEPTION WHEN others THEN
        RETURN false;
    END;
    -- to_date accepts 20230230 by rolling over: insist the date reads back the same
    RETURN to_char(birth, 'YYYYMMDD') = substr(p, 7, 8)
       AND birth > DATE '1900-01-01';
END;
$$;

-- Resident IDs are validated in the database as well as in the module: imports and hand edits
-- meet the same rule.
CREATE OR REPLACE FUNCTION lx.student_check_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.id_number := upper(NEW.id_number);
    IF (SELECT checked FROM lx.id_type WHERE code = NEW.id_type)
       AND NOT lx.resident_id_valid(NEW.id_number) THEN
        RAISE EXCEPTION 'invalid identity document number for student %', NEW.student_no
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- The facts named by rules must exist in lx.fact.
CREATE OR REPLACE FUNCTION lx.step_check_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unknown text;
BEGIN
    SELECT f INTO unknown
      FROM unnest(NEW.applies_when || NEW.applies_unless || NEW.batch_unless) AS f
     WHERE NOT EXISTS (SELECT 1 FROM lx.fact WHERE code = f)
     LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'step %: unknown fact "%"', NEW.code, unknown
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION lx.operator_point_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF ((SELECT scope FROM lx.point WHERE id = NEW.point_id) = 'college')
       <> (NEW.college_id IS NOT NULL) THEN
        RAISE EXCEPTION 'operator %: a college-scoped point needs a college, others none',
            NEW.login USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION lx.event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE TRIGGER student_check_id BEFORE INSERT OR UPDATE ON lx.student
    FOR EACH ROW EXECUTE FUNCTION lx.student_check_id();

CREATE OR REPLACE TRIGGER step_check_facts BEFORE INSERT OR UPDATE ON lx.step
    FOR EACH ROW EXECUTE FUNCTION lx.step_check_facts();

CREATE OR REPLACE TRIGGER operator_point_check BEFORE INSERT OR UPDATE ON lx.operator_point
    FOR EACH ROW EXECUTE FUNCTION lx.operator_point_check();

CREATE OR REPLACE TRIGGER event_no_update BEFORE UPDATE OR DELETE ON lx.event
    FOR EACH ROW EXECUTE FUNCTION lx.event_append_only();

CREATE OR REPLACE TRIGGER event_no_truncate BEFORE TRUNCATE ON lx.event
    FOR EACH STATEMENT EXECUTE FUNCTION lx.event_append_only();
