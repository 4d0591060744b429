-- 001_schema: the whole domain of DOMAIN.md.
--
-- Migrations run as the schema owner (lx_owner, see scripts/migrate.sh); the module connects as
-- lx_app, which only reads tables, appends to the event log and calls the functions of
-- sql/functions/change.sql.  Every table lives in schema lx.
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (checks.sql), which
-- scripts/migrate.sh applies after the migrations.

CREATE SCHEMA lx;

-- Institutions (学校) with their national code; a student may hold a national loan at each.
CREATE TABLE lx.institution (
    id          smallint PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{5}$'),
    name        text NOT NULL CHECK (name <> '')
);

-- Programmes: undergraduate and graduate live in one installation.
CREATE TABLE lx.programme (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z]{2,10}$'),
    name        text NOT NULL CHECK (name <> '')
);

-- A cohort (届) is a graduation year of one programme; closed cohorts are read-only.
CREATE TABLE lx.cohort (
    id          serial PRIMARY KEY,
    year        smallint NOT NULL CHECK (year BETWEEN 1950 AND 2200),
    programme   text NOT NULL REFERENCES lx.programme,
    name        text NOT NULL CHECK (name <> ''),
    closed      boolean NOT NULL DEFAULT false,
    UNIQUE (year, programme)
);

CREATE TABLE lx.college (
    id              serial PRIMARY KEY,
    institution_id  smallint NOT NULL REFERENCES lx.institution,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z]{1,10}$'),
    name            text NOT NULL UNIQUE CHECK (name <> ''),
    -- where the college's clearance desk and certificate desk are (shown to students)
    office          text NOT NULL DEFAULT '',
    cert_office     text NOT NULL DEFAULT ''
);

-- A class (班级) belongs to one college and graduates in one cohort.
CREATE TABLE lx.class (
    id          serial PRIMARY KEY,
    college_id  integer NOT NULL REFERENCES lx.college,
    cohort_id   integer NOT NULL REFERENCES lx.cohort,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z-]{1,20}$'),
    name        text NOT NULL CHECK (name <> ''),
    UNIQUE (id, college_id, cohort_id)
);
CREATE INDEX class_college_idx ON lx.class (college_id);

CREATE TABLE lx.dorm_room (
    id          serial PRIMARY KEY,
    building    text NOT NULL CHECK (building <> ''),
    room        text NOT NULL CHECK (room <> ''),
    UNIQUE (building, room)
);

-- Identity document types; the resident ID and the residence permit of Hong Kong, Macao and
-- Taiwan residents carry an 18-character number with a check digit (GB 11643-1999).
CREATE TABLE lx.id_type (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    checked     boolean NOT NULL
);

CREATE TABLE lx.student (
    id              serial PRIMARY KEY,
    student_no      text NOT NULL UNIQUE CHECK (student_no ~ '^[0-9]{10}$'),
    name            text NOT NULL CHECK (name <> '' AND length(name) <= 60),
    gender          char(1) NOT NULL CHECK (gender IN ('M', 'F')),
    id_type         text NOT NULL REFERENCES lx.id_type,
    id_number       text NOT NULL CHECK (length(id_number) BETWEEN 5 AND 30),
    college_id      integer NOT NULL,
    class_id        integer NOT NULL,
    cohort_id       integer NOT NULL,
    dorm_room_id    integer REFERENCES lx.dorm_room,      -- NULL: lives off campus
    -- facts that decide which steps apply
    party_member    boolean NOT NULL DEFAULT false,
    league_member   boolean NOT NULL DEFAULT false,
    must_return_instruments boolean NOT NULL DEFAULT false,
    source_loan     boolean NOT NULL DEFAULT false,       -- 生源地助学贷款
    borrowed_switch boolean NOT NULL DEFAULT false,
    certificates_deferred boolean NOT NULL DEFAULT false,
    hukou_moved     boolean NOT NULL DEFAULT false,       -- 户口迁入学校
    -- feeder figures; NULL received_at: nothing received yet, the step stays pending
    library_loans   integer CHECK (library_loans >= 0),
    library_fines   numeric(10, 2) CHECK (library_fines >= 0),
    library_received_at timestamptz,
    arrears         numeric(12, 2) CHECK (arrears >= 0),
    arrears_received_at timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, cohort_id),
    FOREIGN KEY (class_id, college_id, cohort_id) REFERENCES lx.class (id, college_id, cohort_id),
    CHECK ((library_received_at IS NULL) = (library_loans IS NULL)
           AND (library_loans IS NULL) = (library_fines IS NULL)),
    CHECK ((arrears_received_at IS NULL) = (arrears IS NULL))
);
CREATE INDEX student_class_idx ON lx.student (class_id);
CREATE INDEX student_college_idx ON lx.student (college_id);
CREATE INDEX student_dorm_idx ON lx.student (dorm_room_id);
CREATE INDEX student_cohort_idx ON lx.student (cohort_id);
CREATE INDEX student_id_number_idx ON lx.student (id_number);
CREATE INDEX student_name_idx ON lx.student (name);

-- National student loans, one row per campus at which the student holds one.
CREATE TABLE lx.student_loan (
    student_id      integer NOT NULL REFERENCES lx.student ON DELETE CASCADE,
    institution_id  smallint NOT NULL REFERENCES lx.institution,
    PRIMARY KEY (student_id, institution_id)
);

-- The vocabulary of facts a step's applicability rule may name.  lx.student_facts() computes
-- which of them hold for a student.
CREATE TABLE lx.fact (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]+$'),
    name        text NOT NULL
);

-- Clearance points (离校点).  A college-scoped point is worked per college (each operator
-- assignment names the college); a programme-scoped point serves every graduate of the
-- programmes listed in point_programme.
CREATE TABLE lx.point (
    id          serial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name        text NOT NULL CHECK (name <> ''),
    scope       text NOT NULL CHECK (scope IN ('college', 'programme')),
    -- where to go; a college-scoped point uses the college's office (college.office or
    -- college.cert_office, chosen by cert_desk)
    location    text NOT NULL DEFAULT '',
    cert_desk   boolean NOT NULL DEFAULT false,
    -- the deferral point (缓交办理点) has no steps: it lifts gates (lx.override)
    deferral    boolean NOT NULL DEFAULT false,
    sort        smallint NOT NULL DEFAULT 0
);

CREATE TABLE lx.point_programme (
    point_id    integer NOT NULL REFERENCES lx.point ON DELETE CASCADE,
    programme   text NOT NULL REFERENCES lx.programme,
    PRIMARY KEY (point_id, programme)
);

-- Steps (离校业务).
CREATE TABLE lx.step (
    id              serial PRIMARY KEY,
    point_id        integer NOT NULL REFERENCES lx.point,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name            text NOT NULL CHECK (name <> ''),
    hint            text NOT NULL DEFAULT '',        -- what the student must bring or do
    sort            smallint NOT NULL DEFAULT 0,
    -- applicability: every fact in applies_when holds and none in applies_unless
    applies_when    text[] NOT NULL DEFAULT '{}',
    applies_unless  text[] NOT NULL DEFAULT '{}',
    -- how people may confirm it; an automatic step is set from feeder data only
    modes           text[] NOT NULL DEFAULT '{individual}'
                    CHECK (modes <@ ARRAY['individual', 'class', 'dorm', 'scope']::text[]),
    automatic       text CHECK (automatic IN ('library', 'finance')),
    -- optional steps (deposit refund) are shown but count toward nothing
    optional        boolean NOT NULL DEFAULT false,
    -- a gating step must be done (or its gate lifted) before any step that requires_gates
    gates           boolean NOT NULL DEFAULT true,
    requires_gates  boolean NOT NULL DEFAULT false,
    -- certificate steps come last; they are never themselves a gate
    certificate     boolean NOT NULL DEFAULT false,
    -- a pending step may carry a feeder's proposal (pre-ticked, a person confirms)
    proposable      boolean NOT NULL DEFAULT false,
    -- a whole-scope batch ('scope' mode) leaves out students with any of these facts (the
    -- teaching instruments batch is for those with nothing to return)
    batch_unless    text[] NOT NULL DEFAULT '{}',
    CHECK (NOT (certificate AND gates)),
    CHECK (NOT (optional AND gates)),
    CHECK (automatic IS NULL OR modes = '{}')
);
CREATE INDEX step_point_idx ON lx.step (point_id);

-- Explicit prerequisites besides the gates: step_id may be confirmed only when requires_id is
-- done or does not apply.
CREATE TABLE lx.step_prereq (
    step_id     integer NOT NULL REFERENCES lx.step ON DELETE CASCADE,
    requires_id integer NOT NULL REFERENCES lx.step,
    PRIMARY KEY (step_id, requires_id),
    CHECK (step_id <> requires_id)
);

-- Steps enabled per cohort (the refund step is enabled for none since 2017).
CREATE TABLE lx.cohort_step (
    cohort_id   integer NOT NULL REFERENCES lx.cohort,
    step_id     integer NOT NULL REFERENCES lx.step,
    PRIMARY KEY (cohort_id, step_id)
);

-- Certificates handed out by the certificate step, per cohort (报到证 not issued from 2023).
CREATE TABLE lx.certificate (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z_]+$'),
    name        text NOT NULL,
    step_id     integer NOT NULL REFERENCES lx.step,    -- the step that hands it out
    -- the household transfer certificate goes only to students whose registration moved here;
    -- a deferred diploma is not handed out at the college desk
    needs_fact  text REFERENCES lx.fact,
    unless_fact text REFERENCES lx.fact,
    sort        smallint NOT NULL DEFAULT 0
);
CREATE TABLE lx.cohort_certificate (
    cohort_id   integer NOT NULL REFERENCES lx.cohort,
    certificate text NOT NULL REFERENCES lx.certificate,
    PRIMARY KEY (cohort_id, certificate)
);

-- Operators: staff, leaders and administrators; authenticated by Apache under this login.
CREATE TABLE lx.operator (
    login       text PRIMARY KEY CHECK (login ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    name        text NOT NULL CHECK (name <> ''),
    is_admin    boolean NOT NULL DEFAULT false,
    is_leader   boolean NOT NULL DEFAULT false,
    active      boolean NOT NULL DEFAULT true
);

-- An operator's points; a college-scoped point names the college the operator serves.
CREATE TABLE lx.operator_point (
    id          serial PRIMARY KEY,
    login       text NOT NULL REFERENCES lx.operator ON DELETE CASCADE ON UPDATE CASCADE,
    point_id    integer NOT NULL REFERENCES lx.point,
    college_id  integer REFERENCES lx.college,
    UNIQUE NULLS NOT DISTINCT (login, point_id, college_id)
);

-- The state of each enabled step for each student of the cohort.  Written only by the
-- functions of sql/functions/change.sql.
CREATE TABLE lx.step_state (
    student_id  integer NOT NULL,
    step_id     integer NOT NULL,     -- a step of lx.step through lx.cohort_step (FK below)
    cohort_id   integer NOT NULL,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'na')),
    how         text CHECK (how IN ('individual', 'class', 'dorm', 'scope', 'feed', 'auto',
                                    'rule')),
    by_login    text,
    at          timestamptz,
    note        text CHECK (length(note) <= 500),
    proposed    boolean NOT NULL DEFAULT false,      -- a feeder proposes done (pre-ticked)
    proposed_at timestamptz,
    PRIMARY KEY (student_id, step_id),
    FOREIGN KEY (student_id, cohort_id) REFERENCES lx.student (id, cohort_id) ON DELETE CASCADE,
    FOREIGN KEY (cohort_id, step_id) REFERENCES lx.cohort_step (cohort_id, step_id),
    CHECK (state <> 'done' OR (at IS NOT NULL AND how IS NOT NULL AND by_login IS NOT NULL)),
    CHECK (NOT proposed OR state = 'pending')
);
CREATE INDEX step_state_step_idx ON lx.step_state (step_id, state);

-- The deferral point's lifting of one gate for one student (限制已关闭).
CREATE TABLE lx.override (
    student_id  integer NOT NULL REFERENCES lx.student ON DELETE CASCADE,
    step_id     integer NOT NULL REFERENCES lx.step,
    by_login    text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    PRIMARY KEY (student_id, step_id)
);

-- The event log: every change, append-only.
CREATE TABLE lx.event (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL CHECK (kind IN ('confirm', 'revoke', 'propose', 'unpropose',
                                              'feed', 'applicability', 'override_on',
                                              'override_off', 'import', 'config')),
    login       text NOT NULL,
    student_id  integer,
    point_id    integer,
    step_id     integer,
    how         text,
    old_state   text,
    new_state   text,
    note        text,
    source_addr inet,
    request_id  text
);
CREATE INDEX event_student_idx ON lx.event (student_id, at);
CREATE INDEX event_login_idx ON lx.event (login, at);
CREATE INDEX event_step_idx ON lx.event (step_id, at);
CREATE INDEX event_at_idx ON lx.event (at);

-- Forms already carried out, by the request id the form was rendered with: a form sent twice
-- (a double click, a reload, a retry after a timeout) changes nothing the second time.
CREATE TABLE lx.submission (
    request_id  text PRIMARY KEY CHECK (length(request_id) BETWEEN 8 AND 100),
    login       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
