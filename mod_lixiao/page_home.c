/*
 * page_home.c: GET /lx/, a student's own clearance sheet (lx_sheet.c) or the staff home page
 * (their points, a student lookup); and the lookup itself.
 */
#include "lx_handlers.h"
#include "core/lx_query.h"

int lx_page_home(lx_req *q)
{
    if (q->account->is_student)
        return lx_sheet_page(q, q->account->login);
    return lx_render(q, lx_page_new(q, "home"));
}

/* GET /lx/lookup?no=2022010001 -> 303 to /lx/student/2022010001 */
int lx_page_lookup(lx_req *q)
{
    const char *no = lx_query_param(q->r->pool, q->r->args, "no");
    if (!no || !lx_student_no_valid(no))
        return lx_error_page(q, HTTP_BAD_REQUEST, "学号格式不正确",
                             "学号应为 10 位数字，请返回重新输入。");
    apr_table_setn(q->r->headers_out, "Location",
                   ap_construct_url(q->r->pool, apr_pstrcat(q->r->pool, q->conf->base_url,
                                                            "/student/", no, NULL), q->r));
    return HTTP_SEE_OTHER;
}
