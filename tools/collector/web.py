"""The collector's web page and the JSON it reads (no dependencies).

    GET /                                 page.html: per device a card and a chart per sensor
    GET /api/devices                      [health.card(...)] for every device
    GET /api/readings?device=D&limit=N    {"sensors": {NAME: {"unit": "°C", "points": [[made_ms, value], ...]}}}

The page is one static file with its script inline: no build step, nothing
fetched from elsewhere.
"""
import json
import os
from urllib.parse import parse_qs

import health
from service import UNIT_SYMBOLS

PAGE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page.html")


def readings_json(store, device, limit):
    sensors = {}
    for _seq, s, ns, sensor, value, unit, _received in store.readings(device, limit=limit):
        entry = sensors.setdefault(sensor, {"unit": UNIT_SYMBOLS.get(unit, ""), "points": []})
        entry["points"].append([s * 1000 + ns // 1000000, value])
    return {"sensors": sensors}


def make_web_app(store):
    with open(PAGE_FILE, "rb") as f:
        page = f.read()

    async def app(scope, receive, send):
        path = scope["path"]
        q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope["method"] not in ("GET", "HEAD"):
            return await _send(send, 405, b"method not allowed\n", "text/plain")
        if path == "/":
            return await _send(send, 200, page, "text/html; charset=utf-8")
        if path == "/api/devices":
            return await _json(send, [health.card(store, d, n, last) for d, n, last in store.devices()])
        if path == "/api/readings":
            device = (q.get("device") or [""])[0]
            try:
                limit = max(1, min(20000, int((q.get("limit") or ["2000"])[0])))
            except ValueError:
                return await _send(send, 400, b"bad limit\n", "text/plain")
            return await _json(send, readings_json(store, device, limit))
        return await _send(send, 404, b"not found\n", "text/plain")

    return app


async def _json(send, obj):
    await _send(send, 200, json.dumps(obj).encode(), "application/json")


async def _send(send, status, body, ctype):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
