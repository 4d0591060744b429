/*
 * lx_private.h: what the files of mod_lixiao share.
 *
 * The module is a thin layer of Apache glue (mod_lixiao.c, lx_route.c), a database layer over
 * mod_dbd's pool and libpq (lx_db.c), a view layer that turns our XML into HTML with libxslt
 * (lx_view.c), one file per page (page_*.c), and plain C without httpd headers in core/.
 */
#ifndef LX_PRIVATE_H
#define LX_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include <libpq-fe.h>
#include <libxml/tree.h>

APLOG_USE_MODULE(lixiao);
extern module AP_MODULE_DECLARE_DATA lixiao_module;

/* Our own log tags, "LX" + four digits: httpd's AH numbers belong to bundled modules. */
#define LXLOGNO(n) "LX" #n ": "

#define LX_HANDLER "lixiao"
#define LX_UNSET (-1)

/* Per-server configuration (directives in mod_lixiao.c). */
typedef struct lx_server_conf {
    const char *template_dir;   /* LixiaoTemplates */
    const char *base_url;       /* LixiaoBaseURL, default "/lx" */
    int retry_after;            /* LixiaoRetryAfter, seconds, in 503 answers */
    int utc_offset;             /* LixiaoTimeZone, seconds east of UTC, for times on pages */
    int db_slots;               /* LixiaoDBSlots: requests of a process at the database at once */
    int db_timeout;             /* LixiaoDBTimeout: seconds to wait for any answer of it */
    int own_page_revalidate;    /* LixiaoOwnPageCache revalidate: 1, no-store: 0 */
    const char *read_conninfo;  /* LixiaoReadDB: libpq conninfo of the standbys, or NULL */
    int read_slots;             /* LixiaoReadDBSlots: read connections of a process */
    int read_after_write;       /* LixiaoReadAfterWrite: seconds a writer reads the primary */
    int read_retry;             /* LixiaoReadRetry: seconds before a read connection that
                                 * found the primary looks for a standby again */
    const unsigned char *secret;    /* LixiaoSecretFile: the key of the CSRF tokens */
    apr_size_t secret_len;
    /* Compiled stylesheets by view name: written in post_config only, read-only after. */
    apr_hash_t *sheets;
    /* A digest of the stylesheets' text, part of ETags: pages change when they change.  The
     * same files give the same tag on every node behind a balancer. */
    const char *templates_tag;
} lx_server_conf;

#define LX_DEFAULT_BASE_URL "/lx"
#define LX_DEFAULT_RETRY_AFTER 30
#define LX_DEFAULT_UTC_OFFSET (8 * 3600)      /* China Standard Time */
#define LX_DEFAULT_DB_SLOTS 10                /* mod_dbd's default DBDMax */
#define LX_DEFAULT_READ_AFTER_WRITE 10        /* longer than a standby's usual lag */
#define LX_DEFAULT_READ_RETRY 30
#define LX_DEFAULT_DB_TIMEOUT 15              /* above the demo's statement_timeout (5 s) */

/* ---- lx_gate.c: the process's database connections, first come first served ---- */
typedef struct lx_gate lx_gate;
apr_status_t lx_gate_create(apr_pool_t *p, int slots, lx_gate **out);
int lx_gate_enter(lx_gate *g, request_rec *r);
void lx_gate_leave_now(lx_gate *g, request_rec *r);
extern lx_gate *lx_process_gate;

/* ---- lx_readpool.c: the standbys' pool, for requests that only read ---- */
typedef struct lx_req lx_req;
apr_status_t lx_readpool_child_init(apr_pool_t *pchild, server_rec *s, lx_server_conf *conf);

/* ---- lx_db.c: the pool, libpq, SQLSTATE -> HTTP status ---- */
typedef struct lx_db {
    request_rec *r;
    PGconn *conn;
    const char *as_of;          /* lx_db_as_of (epoch seconds), once asked */
    int status;                 /* HTTP status of the last failure, OK after success */
    const char *sqlstate;       /* SQLSTATE of the last failure, or NULL */
    const char *message;        /* a rule's message (our LX4nn errors, in Chinese), or NULL */
    int prepare;                /* the statement being sent is one of lx_db_prepared's */
    apr_interval_time_t timeout;    /* LixiaoDBTimeout: the longest wait for an answer */
    int timed_out;              /* the database did not answer in time: connection shut */
} lx_db;

/* Set in post_config: mod_dbd's acquire function. */
extern ap_dbd_t *(*lx_dbd_acquire)(request_rec *);

lx_db *lx_db_wrap(request_rec *r, PGconn *conn);
int lx_db_open(request_rec *r, lx_db **out);
int lx_db_open_read(request_rec *r, lx_db **out);
int lx_readpool_open(request_rec *r, lx_db **out);
void lx_readpool_wrote(lx_req *q);
const char *lx_db_as_of(lx_req *q);
PGresult *lx_db_query(lx_db *db, const char *sql, int nparams, const char *const *params);
PGresult *lx_db_prepared(lx_db *db, const char *sql, int nparams, const char *const *params);
void lx_db_allow(lx_db *db, int seconds);
int lx_db_begin(lx_db *db);
int lx_db_commit(lx_db *db);
int lx_db_rollback(lx_db *db);
int lx_db_copy_in(lx_db *db, const char *sql, const char *data, apr_size_t len);
const char *lx_db_literal(lx_db *db, const char *value);

/* ---- lx_account.c: who the authenticated user is ---- */
typedef struct lx_assignment {
    const char *point, *point_name, *college, *college_name;
    int deferral;
} lx_assignment;

typedef struct lx_account {
    const char *login;
    int is_student, is_operator, is_admin, is_leader;
    const char *name;
    const char *sheet_version;  /* a student's: changes with anything on their sheet */
    apr_array_header_t *assignments;    /* of lx_assignment */
} lx_account;

int lx_account_load(request_rec *r, lx_db *db, lx_account **out);
void lx_account_xml(xmlNodePtr page, const lx_account *acc);

/* ---- lx_route.c: one request's context and the dispatcher ---- */
struct lx_req {
    request_rec *r;
    lx_server_conf *conf;
    lx_db *db;
    lx_account *account;
    const char *path;           /* the URI below the base, "/" at least */
    int want_xml;               /* ?format=xml */
    const char *message;        /* a specific message for the error page, in Chinese */
    apr_hash_t *step_names;     /* code -> name, read when first needed */
    const char *sheet_version;  /* of the sheet lx_sheet_xml read */
    /* A POST's body, read and checked before the database was opened (lx_post.c): */
    const char *post_action;    /* the kind of form its CSRF token was checked for */
    apr_table_t *post_form;     /* a form's fields */
    apr_hash_t *post_parts;     /* an upload's parts (lx_part *) */
};

int lx_route(request_rec *r);
const char *lx_arg(lx_req *q, const char *name);
int lx_route_api(lx_req *q);
int lx_scrub_query_tokens(request_rec *r);
extern const char *const lx_query_token_names[];

/* ---- lx_view.c: XML page, stylesheets, HTML/XML out, error pages ---- */
const char *lx_digest(apr_pool_t *p, const char *s);
apr_status_t lx_view_compile(apr_pool_t *p, server_rec *s, lx_server_conf *conf);
void lx_view_setup_security(apr_pool_t *p, server_rec *s);
xmlNodePtr lx_page_new(lx_req *q, const char *view);
void lx_attr(xmlNodePtr node, const char *name, const char *value);
void lx_attr_bool(xmlNodePtr node, const char *name, int value);
int lx_render(lx_req *q, xmlNodePtr page);
int lx_error_page(lx_req *q, int status, const char *title, const char *message);
void lx_security_headers(request_rec *r, int personal);
long lx_today(lx_req *q);

/* Result rows to attributes: one entry per attribute, NULL-terminated. */
typedef enum { LX_COL_TEXT, LX_COL_BOOL } lx_col_kind;
typedef struct lx_colmap {
    const char *attr;
    const char *column;
    lx_col_kind kind;
} lx_colmap;
void lx_attrs_from_row(xmlNodePtr node, const PGresult *res, int row, const lx_colmap *map);
const char *lx_value(const PGresult *res, int row, const char *column);

/* lx_export.c: an export's file from one query; format "csv" (enc utf-8 | gb18030) or
 * "xlsx".  OK, or an error status before anything was sent. */
typedef struct {
    const char *ascii;      /* the file's name for old clients: lixiao-<ascii>.csv */
    const char *title;      /* its name in Chinese (UTF-8), filename*= */
} lx_export_name;
int lx_export_send(lx_req *q, const char *sql, const lx_export_name *name,
                   const char *format, const char *enc);
void lx_rows_xml(xmlNodePtr parent, const char *element, const PGresult *res);
xmlNodePtr lx_first_child(xmlNodePtr parent, const char *name);

/* ---- lx_post.c: the gate of state-changing requests ---- */
int lx_post_start(lx_req *q);
int lx_post_csrf(lx_req *q, const char *token, const char *action);
int lx_post_form(lx_req *q, const char *action, apr_table_t **out);
int lx_post_upload(lx_req *q, const char *action, apr_hash_t **parts);
int lx_read_body(lx_req *q, apr_size_t max, char **body, apr_size_t *len);
const char *lx_csrf_token(lx_req *q, const char *action);
const char *lx_form_id(lx_req *q);

/* ---- lx_desk.c: the operator desk's context ---- */
typedef struct lx_desk {
    PGresult *rows;             /* lx.desk_assignments: every desk of the operator */
    int current;
    const char *key, *point_id, *point_code, *point_name, *college_id, *college_name;
} lx_desk;

int lx_desk_open(lx_req *q, const char *key, lx_desk **out);
const char *lx_desk_url(lx_req *q, const lx_desk *d, const char *student_no, const char *extra);
xmlNodePtr lx_desk_xml(lx_req *q, xmlNodePtr page, const lx_desk *d);
int lx_desk_stats_xml(lx_req *q, xmlNodePtr desk, const lx_desk *d);
int lx_desk_student(lx_req *q, xmlNodePtr page, xmlNodePtr desk, const lx_desk *d,
                    const char *student_no);
void lx_notice_xml(xmlNodePtr parent, const char *kind, const char *text);

int lx_step_code_valid(const char *s);
int lx_batch_xml(lx_req *q, xmlNodePtr page, const lx_desk *d, const char *step,
                 const char *mode, const char *anchor, apr_table_t *selected, int *count);
void lx_requires_xml(lx_req *q, xmlNodePtr parent, const char *missing, const char *names);

/* ---- pages ---- */
int lx_page_student(lx_req *q, const char *student_no);
int lx_page_own_sheet(lx_req *q);
int lx_api_status_json(lx_req *q, const char *student_no, const char **json);
int lx_sheet_xml(lx_req *q, xmlNodePtr page, const char *student_no);
int lx_page_desk(lx_req *q);
int lx_page_desk_search(lx_req *q);
int lx_page_batch(lx_req *q);
int lx_action_confirm(lx_req *q);
int lx_action_revoke(lx_req *q);
int lx_action_scope(lx_req *q);
int lx_page_deferral(lx_req *q);
int lx_action_deferral_search(lx_req *q);
int lx_action_deferral_close(lx_req *q);
int lx_action_deferral_open(lx_req *q);
int lx_page_admin(lx_req *q);
int lx_action_admin(lx_req *q);
int lx_admin_action_known(const char *name);
int lx_action_import(lx_req *q);
int lx_page_export(lx_req *q);
int lx_action_feed_upload(lx_req *q);
int lx_page_stats(lx_req *q);
int lx_page_home(lx_req *q);
int lx_page_lookup(lx_req *q);

#endif
