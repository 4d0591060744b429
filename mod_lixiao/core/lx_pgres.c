/* lx_pgres.c: reading a libpq result by column name (lx_pgres.h). */
#include "lx_pgres.h"

#include <string.h>

/* catalog/pg_type_d.h's OIDs of the number types (fixed OIDs of the catalog) */
#define LX_INT8OID 20
#define LX_INT2OID 21
#define LX_INT4OID 23
#define LX_FLOAT4OID 700
#define LX_FLOAT8OID 701
#define LX_NUMERICOID 1700

int lx_type_is_number(Oid t)
{
    return t == LX_INT8OID || t == LX_INT2OID || t == LX_INT4OID || t == LX_FLOAT4OID
           || t == LX_FLOAT8OID || t == LX_NUMERICOID;
}

int lx_column(const PGresult *res, const char *name, int hint)
{
    int i, n = res ? PQnfields(res) : 0;
    if (hint >= 0 && hint < n && strcmp(PQfname(res, hint), name) == 0)
        return hint;
    for (i = 0; i < n; i++)
        if (strcmp(PQfname(res, i), name) == 0)
            return i;
    return -1;
}

const char *lx_value(const PGresult *res, int row, const char *column)
{
    int col = lx_column(res, column, -1);
    if (col < 0 || row < 0 || row >= PQntuples(res) || PQgetisnull(res, row, col))
        return NULL;
    return PQgetvalue(res, row, col);
}

int lx_value_true(const PGresult *res, int row, const char *column)
{
    return lx_value_is(res, row, column, "t");
}

int lx_value_is(const PGresult *res, int row, const char *column, const char *text)
{
    const char *v = lx_value(res, row, column);
    return v && strcmp(v, text) == 0;
}
