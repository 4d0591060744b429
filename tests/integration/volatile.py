"""What differs between two renderings of the same page, taken out before comparing them byte
for byte: the request id, the minute the page was made, and a form's CSRF token."""
import re

VOLATILE = [re.compile("请求编号 <code>[^<]*</code>".encode()),
            re.compile("(打印时间：|页面生成于 <time>)\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d".encode()),
            re.compile(rb'now="[^"]*"|request-id="[^"]*"'),
            re.compile(rb'name="csrf" value="[^"]*"')]


def normal(body: bytes) -> bytes:
    for v in VOLATILE:
        body = v.sub(b"", body)
    return body
