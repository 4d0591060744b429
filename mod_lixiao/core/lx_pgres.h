/*
 * lx_pgres.h: reading a libpq result by column name, with NULL said out loud.
 *
 * A column that the statement does not have and an SQL NULL both read as NULL: every caller
 * decides what NULL means for it (lx_value_true says "no" to both), so that a function that one
 * day returns NULL where it returned a value gives a refusal, not a crash of a process that
 * holds a thousand connections.
 */
#ifndef LX_PGRES_H
#define LX_PGRES_H

#include <libpq-fe.h>

/* bool's type OID, as PostgreSQL's catalog/pg_type_d.h defines it (BOOLOID): a fixed OID of
 * the catalog since PostgreSQL 7; libpq-dev does not ship the catalog headers. */
#define LX_BOOLOID 16

/* 1 when values of the type are numbers (int2, int4, int8, float4, float8, numeric): the
 * exports write them as numbers, everything else as text. */
int lx_type_is_number(Oid type);

/* The number of the column named name in res, or -1.  hint: where it was last time (-1: no
 * idea).  Our column names are plain lower case, so a comparison will do: PQfnumber copies
 * and case-folds the name on every call, which cost more than the page's XML on a sheet of
 * forty columns. */
int lx_column(const PGresult *res, const char *name, int hint);

/* The text of row's column, or NULL when the column is absent, the row out of range, or the
 * value NULL. */
const char *lx_value(const PGresult *res, int row, const char *column);

/* 1 when the column is a boolean true ('t'); 0 for false, NULL or absent. */
int lx_value_true(const PGresult *res, int row, const char *column);

/* 1 when the column holds exactly text; 0 for anything else, NULL included. */
int lx_value_is(const PGresult *res, int row, const char *column, const char *text);

#endif
