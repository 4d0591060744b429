"""Helpers to drive the operator desk over HTTP as its forms do."""
import base64
import hashlib
import hmac
import uuid
import xml.etree.ElementTree as ET


def desk_xml(httpd, user, at=None, student=None):
    path = "/lx/op?format=xml"
    if at:
        path += f"&at={at}"
    if student:
        path += f"&s={student}"
    r = httpd.get(path, user=user)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return ET.fromstring(r.content)


def csrf_of(httpd, user, at=None):
    return desk_xml(httpd, user, at).find("desk").get("csrf")


def forge_token(env, user, action, expiry, secret=None):
    """A CSRF token as the module makes it (lx_csrf.h), with the installation's key unless
    another is given."""
    if secret is None:
        secret = (env.base / "conf" / "secret").read_bytes()
    mac = hmac.new(secret, f"{user}\0{action}\0{expiry}".encode(), hashlib.sha256).digest()
    return f"{expiry}." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def post(httpd, user, path, fields, csrf=None, xml=True, rid=None, headers=None, **kw):
    """POST a desk form.  fields: dict (keys once each).  A fresh rid unless given; kw go to
    the request (timeout=...)."""
    data = dict(fields)
    if "csrf" not in data:
        data["csrf"] = csrf if csrf is not None else csrf_of(httpd, user)
    if "rid" not in data:
        data["rid"] = rid or uuid.uuid4().hex
    url = path + ("?format=xml" if xml else "")
    return httpd.request("POST", url, user=user, data=data, headers=headers or {}, **kw)


def outcomes(response):
    doc = ET.fromstring(response.content)
    return [(o.get("student-no"), o.get("step-code"), o.get("outcome"), o.get("detail-names"))
            for o in doc.iter("outcome")]


def confirm(httpd, user, at, student, steps, **kw):
    fields = {"at": at, "how": "individual", "s": student}
    fields.update({f"step.{s}": "1" for s in steps})
    return post(httpd, user, "/lx/op/confirm", fields, **kw)


def batch(httpd, user, at, anchor, step, how, students, action="confirm", reason=None, **kw):
    fields = {"at": at, "how": how, "s": anchor, f"step.{step}": "1"}
    if action == "revoke":
        fields = {"at": at, "how": how, "s": anchor, "step": step, "reason": reason or "误操作"}
    fields.update({f"sid.{n}": "1" for n in students})
    return post(httpd, user, f"/lx/op/{action}", fields, **kw)


def revoke(httpd, user, at, student, step, reason="误操作", **kw):
    return post(httpd, user, "/lx/op/revoke",
                {"at": at, "s": student, "step": step, "reason": reason}, **kw)
