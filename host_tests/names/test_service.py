# A service becomes a client class: a snake_case method per unary RPC (and a
# _with_response variant), per server-streaming and per client-streaming RPC.
# Per-call options pass through; the request type is checked before the
# client is called.
from buffa.connect import Code, ConnectError
from names_service_pb import Ping, PingerClient


class FakeClient:
    """Records what the generated methods hand a buffa.connect client."""

    def __init__(self):
        self.calls = []

    def call(self, path, request, response_type, timeout_ms, headers, codec, use_get):
        self.calls.append(("call", path, request, response_type, timeout_ms, headers, codec, use_get))
        return response_type(text="re:" + request.text)

    def unary(self, path, request, response_type, timeout_ms, headers, codec, use_get):
        self.calls.append(("unary", path, request, response_type, timeout_ms, headers, codec, use_get))
        return "response"

    def server_stream(self, path, request, response_type, timeout_ms, headers, codec):
        self.calls.append(("server_stream", path, request, response_type, timeout_ms, headers, codec))
        return iter([response_type(text="s")])

    def client_stream(self, path, response_type, timeout_ms, headers, codec, request_type=None):
        self.calls.append(("client_stream", path, response_type, timeout_ms, headers, codec, request_type))
        return "stream"

    def client_stream_call(self, path, requests, response_type, timeout_ms, headers, codec, request_type=None):
        self.calls.append(("client_stream_call", path, list(requests), response_type, request_type))
        return response_type(text="done")


def test_unary_method_calls_the_client_with_path_and_types():
    fake = FakeClient()
    c = PingerClient(fake)
    r = c.ping(Ping(text="a"))
    assert r == Ping(text="re:a")
    kind, path, req, rtype, timeout_ms, headers, codec, use_get = fake.calls[0]
    assert kind == "call" and path == "/names.Pinger/Ping"
    assert rtype is Ping and req.text == "a"
    assert (timeout_ms, headers, codec, use_get) == (None, None, "proto", False)


def test_method_names_are_snake_case():
    fake = FakeClient()
    c = PingerClient(fake)
    c.get_http_status(Ping(text="s"))
    assert fake.calls[0][1] == "/names.Pinger/GetHTTPStatus"


def test_no_side_effects_methods_use_get_unless_told_not_to():
    fake = FakeClient()
    PingerClient(fake).get_http_status(Ping())
    assert fake.calls[0][7] is True
    PingerClient(fake).get_http_status(Ping(), use_get=False)
    assert fake.calls[1][7] is False


def test_per_call_options_pass_through():
    fake = FakeClient()
    PingerClient(fake).ping(Ping(), timeout_ms=3, headers={"x-a": "b"}, codec="json")
    assert fake.calls[0][4:7] == (3, {"x-a": "b"}, "json")


def test_with_response_variant():
    fake = FakeClient()
    assert PingerClient(fake).ping_with_response(Ping(), timeout_ms=5) == "response"
    assert fake.calls[0][0] == "unary" and fake.calls[0][4] == 5


def test_request_type_is_checked_before_the_client_is_called():
    fake = FakeClient()
    c = PingerClient(fake)
    for fn in (c.ping, c.ping_with_response, c.stream_pings):
        try:
            fn("not a Ping")
        except ConnectError as e:
            assert e.code == Code.INVALID_ARGUMENT and "Ping" in e.message, e
        else:
            raise AssertionError("no error")
    assert fake.calls == []


def test_streaming_methods():
    fake = FakeClient()
    c = PingerClient(fake)
    assert [m.text for m in c.stream_pings(Ping(text="x"), timeout_ms=9)] == ["s"]
    assert fake.calls[0][:2] == ("server_stream", "/names.Pinger/StreamPings") and fake.calls[0][4] == 9
    assert c.upload() == "stream"
    assert fake.calls[1][0] == "client_stream" and fake.calls[1][-1] is Ping
    assert c.upload([Ping(text="1"), Ping(text="2")]) == Ping(text="done")
    kind, path, reqs, rtype, req_type = fake.calls[2]
    assert kind == "client_stream_call" and path == "/names.Pinger/Upload" and len(reqs) == 2 and req_type is Ping
