/*
 * page_student.c: GET /lx/student/{no}, a student's clearance sheet for the staff who may see
 * it (and for the student themself).  The page is lx_sheet.c's, as for /lx/.
 */
#include "lx_handlers.h"

int lx_page_student(lx_req *q)
{
    return lx_sheet_page(q, q->path + strlen("/student/"));
}
