/*
 * lx_csv.c: see lx_csv.h.
 */
#include "lx_csv.h"
#include "lx_text.h"

#include <string.h>

lx_csv_result lx_csv_prepare(const char **data, apr_size_t *len, const char *choice,
                             const char **encoding)
{
    if (*len >= 3 && memcmp(*data, "\xEF\xBB\xBF", 3) == 0) {
        *data += 3;
        *len -= 3;
    }
    else if (*len >= 2 && (memcmp(*data, "\xFF\xFE", 2) == 0
                           || memcmp(*data, "\xFE\xFF", 2) == 0)) {
        return LX_CSV_UTF16;
    }
    if (!choice || !*choice || strcmp(choice, "auto") == 0)
        *encoding = memchr(*data, '\0', *len) == NULL && lx_text_xml_safe(*data)
                    ? "UTF8" : "GB18030";
    else if (strcmp(choice, "utf-8") == 0)
        *encoding = "UTF8";
    else if (strcmp(choice, "gb18030") == 0)
        *encoding = "GB18030";
    else
        return LX_CSV_BAD_CHOICE;
    return LX_CSV_OK;
}
