"""EchoService (../echo.proto) on connect-python (PyPI connectrpc) under uvicorn.

    python connect_python_server.py [--tls CERT KEY] [--port-file F] [--lifetime-s 120]

Generates the server code with protoc-gen-py and protoc-gen-connectrpc into
a temporary directory, binds 127.0.0.1 on a free port, writes "PORT PID" to
--port-file, and exits after --lifetime-s seconds.
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
PROTO_DIR = os.path.dirname(HERE)


def generate(tmp):
    # Into a package: the generated echo_connect imports echo_pb relatively.
    out = os.path.join(tmp, "echosrv")
    os.mkdir(out)
    open(os.path.join(out, "__init__.py"), "w").close()
    bindir = os.path.dirname(sys.executable)
    subprocess.run(
        [
            os.path.join(bindir, "protoc"),
            "-I" + PROTO_DIR,
            "--plugin=protoc-gen-py=" + os.path.join(bindir, "protoc-gen-py"),
            "--plugin=protoc-gen-connectrpc=" + os.path.join(bindir, "protoc-gen-connectrpc"),
            "--py_out=" + out,
            "--connectrpc_out=" + out,
            os.path.join(PROTO_DIR, "echo.proto"),
        ],
        check=True,
    )
    sys.path.insert(0, tmp)


def make_app():
    from connectrpc.code import Code
    from connectrpc.errors import ConnectError

    from echosrv import echo_connect, echo_pb

    class Echo(echo_connect.EchoService):
        async def _answer(self, request, ctx):
            if request.sleep_ms:
                await asyncio.sleep(request.sleep_ms / 1000)
            ctx.response_headers["x-echo-response"] = "yes"
            ctx.response_trailers["x-echo-trailer"] = "done"
            if request.fail_code:
                ctx.response_headers["x-fail"] = "header"
                ctx.response_trailers["x-fail-trailer"] = "trailer"
                raise ConnectError(
                    Code(request.fail_code),
                    request.text,
                    details=[echo_pb.ErrorInfo(reason="because", attempt=3)],
                )
            hdrs = ctx.request_headers
            seen = sorted("%s: %s" % (k, v) for k, v in hdrs.allitems() if k.lower().startswith("x-echo-"))
            return echo_pb.EchoResponse(
                text=request.text,
                payload=request.payload * max(1, request.repeat),
                headers=seen,
                method=ctx.http_method,
                request_encoding=hdrs.get("content-encoding", ""),
            )

        async def echo(self, request, ctx):
            return await self._answer(request, ctx)

        async def lookup(self, request, ctx):
            return await self._answer(request, ctx)

        async def watch(self, request, ctx):
            ctx.response_headers["x-echo-response"] = "yes"
            ctx.response_trailers["x-echo-trailer"] = "done"
            for i in range(max(1, request.repeat)):
                if i and request.sleep_ms:
                    await asyncio.sleep(request.sleep_ms / 1000)
                yield echo_pb.EchoResponse(text="%s %d" % (request.text, i), payload=request.payload)
            if request.fail_code:
                raise ConnectError(Code(request.fail_code), request.text,
                                   details=[echo_pb.ErrorInfo(reason="because", attempt=3)])

        async def collect(self, requests, ctx):
            ctx.response_trailers["x-echo-trailer"] = "done"
            texts = []
            payload = b""
            async for r in requests:
                if r.fail_code:
                    raise ConnectError(Code(r.fail_code), r.text)
                texts.append(r.text)
                payload += r.payload
            return echo_pb.EchoResponse(text=",".join(texts), payload=payload)

    return echo_connect.EchoServiceASGIApplication(Echo())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port-file")
    ap.add_argument("--lifetime-s", type=float, default=120)
    args = ap.parse_args()
    try:
        import connectrpc  # noqa: F401
        import protoc_gen_connectrpc  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        # Tell the test to skip, with the reason, instead of failing to start.
        if args.port_file:
            with open(args.port_file + ".tmp", "w") as f:
                f.write("SKIP connect-python server needs %s (host_tests/connect/requirements.txt)\n" % e.name)
            os.replace(args.port_file + ".tmp", args.port_file)
        sys.exit(0)
    tmp = tempfile.mkdtemp(prefix="connect-py-")
    generate(tmp)

    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux: without it the server's
    # separate head/body writes meet the client's delayed ACK (~40 ms a call).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    kw = {}
    if args.tls:
        kw = {"ssl_certfile": args.tls[0], "ssl_keyfile": args.tls[1]}
    config = uvicorn.Config(make_app(), log_level="warning", timeout_keep_alive=30, **kw)
    server = uvicorn.Server(config)

    def stop_later():
        server.should_exit = True

    threading.Timer(args.lifetime_s, stop_later).start()

    async def serve():
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.02)
        if args.port_file:
            with open(args.port_file + ".tmp", "w") as f:
                f.write("%d %d\n" % (port, os.getpid()))
            os.replace(args.port_file + ".tmp", args.port_file)
        await task

    asyncio.run(serve())
    os._exit(0)  # the lifetime timer thread must not keep the process alive


if __name__ == "__main__":
    main()
