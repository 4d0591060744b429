/*
 * page_batch.c: GET /lx/op/batch, "by class" and "by dorm room" (seed §3.4.2, §3.6, §3.7): the
 * desk and the batch list of one step (lx_batch.c).  Submitting goes to POST /lx/op/confirm
 * (action_change.c), all or nothing.
 */
#include "lx_handlers.h"
#include "core/lx_query.h"

/* GET /lx/op/batch?at=KEY&step=CODE&mode=class|dorm&s=NO */
int lx_page_batch(lx_req *q)
{
    apr_pool_t *p = q->r->pool;
    const char *step = lx_query_param(p, q->r->args, "step");
    const char *mode = lx_query_param(p, q->r->args, "mode");
    const char *anchor = lx_query_param(p, q->r->args, "s");
    lx_desk *d;
    xmlNodePtr page;
    int rc, n;

    rc = lx_desk_open(q, lx_query_param(p, q->r->args, "at"), &d);
    if (rc != OK)
        return rc;
    if (!lx_step_code_valid(step) || !mode
        || (strcmp(mode, "class") != 0 && strcmp(mode, "dorm") != 0)
        || !anchor || !lx_student_no_valid(anchor)) {
        q->message = "批量办理的参数不完整，请从操作台进入。";
        return HTTP_BAD_REQUEST;
    }
    page = lx_page_new(q, "batch");
    lx_desk_xml(q, page, d);
    rc = lx_batch_xml(q, page, d, step, mode, anchor, NULL, &n);
    return rc == OK ? lx_render(q, page) : rc;
}
