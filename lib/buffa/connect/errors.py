# Connect error codes and the one exception type the client raises.
#
# Everything that goes wrong in a call -- a server error, a malformed or
# hostile response, a timeout, a refused connection, a bad argument -- ends
# as a ConnectError, so callers need exactly one `except`.


class Code:
    """The 16 Connect error codes, as the lowercase strings used on the wire."""

    CANCELED = "canceled"
    UNKNOWN = "unknown"
    INVALID_ARGUMENT = "invalid_argument"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    PERMISSION_DENIED = "permission_denied"
    RESOURCE_EXHAUSTED = "resource_exhausted"
    FAILED_PRECONDITION = "failed_precondition"
    ABORTED = "aborted"
    OUT_OF_RANGE = "out_of_range"
    UNIMPLEMENTED = "unimplemented"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"
    DATA_LOSS = "data_loss"
    UNAUTHENTICATED = "unauthenticated"


# A tuple, not a set: MicroPython sets of str hash fine, but a tuple keeps the
# canonical order for docs and tests.
CODES = (
    Code.CANCELED,
    Code.UNKNOWN,
    Code.INVALID_ARGUMENT,
    Code.DEADLINE_EXCEEDED,
    Code.NOT_FOUND,
    Code.ALREADY_EXISTS,
    Code.PERMISSION_DENIED,
    Code.RESOURCE_EXHAUSTED,
    Code.FAILED_PRECONDITION,
    Code.ABORTED,
    Code.OUT_OF_RANGE,
    Code.UNIMPLEMENTED,
    Code.INTERNAL,
    Code.UNAVAILABLE,
    Code.DATA_LOSS,
    Code.UNAUTHENTICATED,
)


def code_from_http(status):
    """The code implied by an HTTP status when the body carries none (spec table)."""
    if status == 400:
        return Code.INTERNAL
    if status == 401:
        return Code.UNAUTHENTICATED
    if status == 403:
        return Code.PERMISSION_DENIED
    if status == 404:
        return Code.UNIMPLEMENTED
    if status in (429, 502, 503, 504):
        return Code.UNAVAILABLE
    return Code.UNKNOWN


class ErrorDetail:
    """One error detail: a protobuf message packed as (type name, bytes).

    `type` is the fully qualified message name ("google.rpc.RetryInfo"),
    `value` its binary encoding. Decode it with `decode(MessageClass)` or, when
    several types may appear, `unpack(registry)`.
    """

    def __init__(self, type_name, value):
        self.type = type_name
        self.value = value

    def decode(self, message_type):
        """Decode `value` as `message_type`; a bad payload is a ConnectError(internal)."""
        try:
            return message_type.decode(self.value)
        except Exception as e:  # the payload came from the network
            raise ConnectError(Code.INTERNAL, "cannot decode error detail %s: %s" % (self.type, e))

    def unpack(self, registry):
        """Decode with the class `registry` maps `type` to, or None if it has none.

        `registry` is a dict {full name: message class} or anything with .get().
        """
        cls = registry.get(self.type)
        if cls is None:
            return None
        return self.decode(cls)

    def __repr__(self):
        return "ErrorDetail(%r, %d bytes)" % (self.type, len(self.value))


class ConnectError(Exception):
    """A failed call.

    code         one of the Code strings
    message      human-readable text from the server or the client ("" if none)
    details      list of ErrorDetail
    http_status  the HTTP status of the response, or None when none was read
    metadata     the response headers and trailers (a Metadata), or None
    """

    def __init__(self, code, message="", details=None, http_status=None, metadata=None):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.details = details if details is not None else []
        self.http_status = http_status
        self.metadata = metadata

    def unpack_details(self, registry):
        """The details whose type `registry` knows, decoded, in order."""
        out = []
        for d in self.details:
            m = d.unpack(registry)
            if m is not None:
                out.append(m)
        return out

    def __str__(self):
        if self.message:
            return "%s: %s" % (self.code, self.message)
        return self.code

    def __repr__(self):
        return "ConnectError(%r, %r)" % (self.code, self.message)
