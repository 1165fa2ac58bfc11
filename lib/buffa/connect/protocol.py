# The Connect unary protocol, without any I/O: building requests, judging
# response heads, decoding bodies and errors. The blocking client, the
# asyncio client and the board tests all drive these same functions.
#
# Spec: connectrpc.com/docs/protocol. Where the spec leaves a choice, this
# follows connect-go (the reference client) and the conformance suite.
from buffa.connect import b64
from buffa.connect import compress
from buffa.connect.errors import ConnectError, Code, CODES, ErrorDetail, code_from_http
from buffa.connect.metadata import request_pairs, split_trailers

PROTO = "proto"
JSON = "json"

# Connect-Timeout-Ms: "at most 10 digits".
MAX_TIMEOUT_MS = 9999999999


def _invalid(msg):
    return ConnectError(Code.INVALID_ARGUMENT, msg)


def parse_base_url(url, scheme):
    """(host, port, path prefix) of "scheme://host[:port][/prefix]".

    The scheme must be the one the constructor stands for: plaintext and TLS
    are an explicit choice, never inferred from a URL.
    """
    if not isinstance(url, str):
        raise _invalid("base_url must be a str")
    want = scheme + "://"
    if not url.startswith(want):
        raise _invalid("base_url must start with %s (got %r)" % (want, url))
    rest = url[len(want) :]
    i = rest.find("/")
    hostport, prefix = (rest, "") if i < 0 else (rest[:i], rest[i:].rstrip("/"))
    for c in prefix:
        if c in "?#%" or not (" " < c <= "~"):
            raise _invalid("base_url path may not contain %r" % c)
    port = 443 if scheme == "https" else 80
    if hostport.startswith("["):  # [IPv6]:port
        j = hostport.find("]")
        if j < 0:
            raise _invalid("bad IPv6 literal in base_url")
        host, tail = hostport[1:j], hostport[j + 1 :]
    else:
        j = hostport.find(":")
        host, tail = (hostport, "") if j < 0 else (hostport[:j], hostport[j:])
    if tail:
        if tail[0] != ":" or not tail[1:].isdigit() or len(tail) > 6 or not 0 < int(tail[1:]) < 65536:
            raise _invalid("bad port in base_url")
        port = int(tail[1:])
    if not host:
        raise _invalid("base_url has no host")
    for c in host:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in ".-:_"):
            raise _invalid("bad character %r in base_url host" % c)
    return host, port, prefix


def host_header(host, port, scheme):
    h = "[%s]" % host if ":" in host else host
    if port != (443 if scheme == "https" else 80):
        h = "%s:%d" % (h, port)
    return h


def check_procedure(procedure):
    """"/pkg.Service/Method": a leading slash and URL-path-safe characters."""
    if not isinstance(procedure, str) or not procedure.startswith("/") or len(procedure) < 2:
        raise _invalid("procedure must look like /package.Service/Method, got %r" % (procedure,))
    for c in procedure:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in "._/-"):
            raise _invalid("bad character %r in procedure" % c)


def content_type(codec):
    if codec == PROTO:
        return "application/proto"
    if codec == JSON:
        return "application/json"
    raise _invalid("codec must be 'proto' or 'json', got %r" % (codec,))


def _protojson():
    # Imported only when the JSON codec is used, so boards that never use it
    # never load it.
    try:
        import buffa.protojson as pj
    except ImportError:
        raise ConnectError(Code.UNIMPLEMENTED, "codec 'json' needs buffa.protojson, which is not installed")
    return pj


def _encode_failed(e):
    if isinstance(e, ConnectError):
        return e
    return _invalid("cannot encode request: %s" % (e,))


def encode_message(message, codec):
    try:
        if codec == JSON:
            return _protojson().encode(message).encode()
        return message.encode()
    except Exception as e:
        raise _encode_failed(e)


def encoded_size(message):
    """The binary size of `message` (a request), or invalid_argument; -1 for
    a message with only encode() (then the body is encode()'s bytes)."""
    if not hasattr(message, "encode_into"):
        return -1
    try:
        return message.encoded_size()
    except Exception as e:
        raise _encode_failed(e)


def encode_into(message, buf, offset):
    try:
        return message.encode_into(buf, offset)
    except Exception as e:
        raise _encode_failed(e)


def decode_message(data, response_type, codec):
    """Decode a response body. A body that does not decode is `internal`
    (as in connect-go and the conformance suite: the server broke the contract)."""
    try:
        if codec == JSON:
            pj = _protojson()
            return pj.decode(response_type, str(data, "utf-8"))
        return response_type.decode(data)
    except ConnectError:
        raise
    except Exception as e:
        raise ConnectError(Code.INTERNAL, "cannot decode response: %s" % (e,))


def timeout_value(timeout_ms):
    """Connect-Timeout-Ms as an int: positive, at most 10 digits.

    A deadline that has already passed is never sent as 0 or a negative
    number: the call fails here instead, before anything is sent.
    """
    timeout_ms = int(timeout_ms)
    if timeout_ms <= 0:
        raise ConnectError(Code.DEADLINE_EXCEEDED, "deadline exceeded before the request was sent")
    if timeout_ms > MAX_TIMEOUT_MS:
        timeout_ms = MAX_TIMEOUT_MS
    return timeout_ms


def encode_timeout(timeout_ms):
    """Value for Connect-Timeout-Ms as text (see timeout_value)."""
    return str(timeout_value(timeout_ms))


def header_lines(headers):
    """The caller's request headers (checked by metadata.request_pairs) as head bytes."""
    out = bytearray()
    for k, v in request_pairs(headers):
        out.extend(("%s: %s\r\n" % (k, v)).encode())
    return bytes(out)


def get_target(prefix, procedure, codec, body, encoding):
    """The request target of a Connect GET: query parameters in the order
    connect=v1&base64=1&compression=&encoding=&message=; message is URL-safe
    unpadded base64."""
    q = "?connect=v1&base64=1"
    if encoding:
        q += "&compression=" + encoding
    return prefix + procedure + q + "&encoding=" + codec + "&message=" + b64.encode(body, True)


_PLAIN_MEDIA = ("application/proto", "application/json", "application/connect+proto", "application/connect+json")


def _media(value):
    """(lowercase media type, lowercase parameter string) of a Content-Type."""
    if value in _PLAIN_MEDIA:
        return value, ""
    v = value.lower()
    i = v.find(";")
    if i < 0:
        return v.strip(), ""
    return v[:i].strip(), v[i + 1 :].replace(" ", "")


def check_head(p, codec, method):
    """Judge a response head (an http1.ResponseParser at HEAD) before its body is read.

    Returns True when the body should be read as a success message, False
    when it should be read as a JSON error. Raises ConnectError when the
    head alone decides the outcome: then the body is not worth reading.
    """
    status = p.status
    ctype = p.content_type
    # The usual content types are taken as they are: _media's tuple would be
    # an allocation in every call.
    if ctype in _PLAIN_MEDIA:
        media, params = ctype, ""
    else:
        media, params = _media(ctype)
    if status != 200:
        if status == 304 and method == "GET":
            raise _with_meta(ConnectError(Code.UNKNOWN, "HTTP 304 for a Connect GET", http_status=304), p)
        if media != "application/json" or params not in ("", "charset=utf-8"):
            # Not a Connect error body (a proxy's page, say): the status
            # alone decides the code.
            raise _with_meta(_fallback(p), p)
    else:
        want = content_type(codec)
        if media != want or (params and params != "charset=utf-8"):
            # Not even "application/..." (an HTML page from a captive portal
            # or proxy) is unknown, as connect-go says; another codec internal.
            code = Code.INTERNAL if media.startswith("application/") else Code.UNKNOWN
            msg = "invalid content-type %r; expecting %r" % (ctype, want)
            raise _with_meta(ConnectError(code, msg, http_status=200), p)
    enc = p.content_encoding
    if enc not in ("", "identity") and (enc != "gzip" or not compress.CAN_DECOMPRESS):
        raise _with_meta(
            ConnectError(Code.INTERNAL, "unsupported response encoding %r" % enc, http_status=status), p
        )
    return status == 200


def _fallback(p):
    return ConnectError(code_from_http(p.status), ("HTTP %d %s" % (p.status, p.reason())).strip(), http_status=p.status)


def _with_meta(err, p):
    headers, trailers = split_trailers(p.header_pairs())
    headers.extend(trailers)
    err.metadata = headers
    return err


def body_bytes(p, limit, inflater=None):
    """The body of a complete response with Content-Encoding undone (bounded by `limit`),
    inflated with the client's compress.Inflater if given."""
    if inflater is None:
        return compress.decompress(p.body, p.content_encoding, limit)
    return inflater.decompress(p.body, p.content_encoding, limit)


def parse_error(p, body):
    """The ConnectError for a non-200 response with a JSON body.

    A body that is not a JSON object, or has no known code, falls back to the
    code the HTTP status implies (spec; connect-go; conformance "error/null").
    """
    err = _parse_error_json(p.status, body)
    if err is None:
        err = _fallback(p)
    return _with_meta(err, p)


def _parse_error_json(status, body):
    try:
        import json
    except ImportError:  # pragma: no cover - every supported port has json
        return None
    try:
        obj = json.loads(str(body, "utf-8"))
    except Exception:  # ValueError, UnicodeError, and MicroPython's variants
        return None
    return error_from_json(obj, code_from_http(status), status)


def error_from_json(obj, fallback_code, status):
    """The ConnectError a JSON error object {"code", "message", "details"}
    stands for (an unknown code becomes `fallback_code`), or None if `obj`
    is not an object. Shared by unary error bodies and end-of-stream messages."""
    if not isinstance(obj, dict):
        return None
    code = obj.get("code")
    message = obj.get("message")
    if not isinstance(message, str):
        message = ""
    if code not in CODES:
        code = fallback_code
    details = []
    raw = obj.get("details")
    if isinstance(raw, list):
        for d in raw:
            detail = _parse_detail(d)
            if detail is not None:
                details.append(detail)
    return ConnectError(code, message, details, status)


def _parse_detail(d):
    # {"type": "pkg.Msg", "value": "<base64>", "debug": ...}; debug is ignored.
    # A malformed entry is dropped rather than discarding the whole error.
    if not isinstance(d, dict):
        return None
    t = d.get("type")
    v = d.get("value", "")
    if not isinstance(t, str) or not t or not isinstance(v, str):
        return None
    # Some servers send a full Any type URL; the name is the part after "/".
    i = t.rfind("/")
    if i >= 0:
        t = t[i + 1 :]
    try:
        value = b64.decode(v)
    except ValueError:
        return None
    return ErrorDetail(t, value)


def response_metadata(pairs):
    """(headers, trailers) of a successful response."""
    return split_trailers(pairs)
