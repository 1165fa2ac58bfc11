# A service becomes a client class with snake_case unary methods; streaming
# methods are not generated.
from names_service_pb import Ping, PingerClient


class FakeClient:
    def __init__(self):
        self.calls = []

    def call(self, path, request, response_type, **kw):
        self.calls.append((path, request, response_type, kw))
        return response_type(text="re:" + request.text)


def test_unary_method_calls_the_client_with_path_and_types():
    fake = FakeClient()
    c = PingerClient(fake)
    r = c.ping(Ping(text="a"))
    assert r == Ping(text="re:a")
    path, req, rtype, kw = fake.calls[0]
    assert path == "/names.Pinger/Ping"
    assert rtype is Ping and req.text == "a"
    assert "use_get" not in kw


def test_method_names_are_snake_case():
    fake = FakeClient()
    c = PingerClient(fake)
    c.get_http_status(Ping(text="s"))
    assert fake.calls[0][0] == "/names.Pinger/GetHTTPStatus"


def test_no_side_effects_methods_may_use_get():
    fake = FakeClient()
    PingerClient(fake).get_http_status(Ping())
    assert fake.calls[0][3].get("use_get") is True


def test_extra_keyword_arguments_are_passed_through():
    fake = FakeClient()
    PingerClient(fake).ping(Ping(), timeout=3)
    assert fake.calls[0][3] == {"timeout": 3}


def test_streaming_methods_are_skipped():
    assert not hasattr(PingerClient, "stream_pings")
    assert not hasattr(PingerClient, "upload")
