"""A small web page with a chart of each device's readings (no dependencies).

    GET /                         the page (polls the API every 2 s)
    GET /api/devices              [{"device", "readings", "last_received", "status"}]
    GET /api/readings?device=D&limit=N   {"sensor": [[unix_ms, value], ...], ...}
"""
import json
from urllib.parse import parse_qs

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>buffa telemetry</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h2{font-size:16px;margin:1.2em 0 .3em}
canvas{border:1px solid #ccc;background:#fff}
.meta{color:#666;font-size:12px}
</style></head><body>
<h1>Telemetry</h1><div id="devs">loading…</div>
<script>
const COLORS=["#1f77b4","#d62728","#2ca02c","#9467bd","#ff7f0e","#8c564b"];
function draw(cv, series){
  const g=cv.getContext("2d"), W=cv.width, H=cv.height, P=36;
  g.clearRect(0,0,W,H);
  let x0=Infinity,x1=-Infinity;
  for(const k in series) for(const p of series[k]){x0=Math.min(x0,p[0]);x1=Math.max(x1,p[0]);}
  if(!isFinite(x0)) return;
  if(x1===x0) x1=x0+1;
  let i=0;
  for(const k of Object.keys(series).sort()){
    const pts=series[k]; let y0=Infinity,y1=-Infinity;
    for(const p of pts){y0=Math.min(y0,p[1]);y1=Math.max(y1,p[1]);}
    if(y1===y0){y1+=1;y0-=1;}
    g.strokeStyle=COLORS[i%COLORS.length]; g.beginPath();
    pts.forEach((p,j)=>{const x=P+(p[0]-x0)/(x1-x0)*(W-2*P), y=H-P-(p[1]-y0)/(y1-y0)*(H-2*P);
      j?g.lineTo(x,y):g.moveTo(x,y);});
    g.stroke(); g.fillStyle=g.strokeStyle;
    g.fillText(k+" ["+y0.toFixed(2)+" … "+y1.toFixed(2)+"]", P+4, 14+14*i); i++;
  }
  g.fillStyle="#666"; g.fillText(new Date(x0).toLocaleTimeString(), P, H-10);
  g.fillText(new Date(x1).toLocaleTimeString(), W-P-60, H-10);
}
async function tick(){
  const devs=await (await fetch("api/devices")).json();
  const root=document.getElementById("devs");
  if(!devs.length){root.textContent="no readings yet";return;}
  if(root.textContent.startsWith("loading")||root.textContent.startsWith("no ")) root.textContent="";
  for(const d of devs){
    let box=document.getElementById("d-"+d.device);
    if(!box){box=document.createElement("div");box.id="d-"+d.device;
      box.innerHTML="<h2></h2><div class=meta></div><canvas width=900 height=260></canvas>";root.appendChild(box);}
    box.querySelector("h2").textContent=d.device;
    const s=d.status||{};
    box.querySelector(".meta").textContent=d.readings+" readings stored; heap low-water "+
      (s.heap_free_min??"?")+" B; dropped "+(s.dropped??"?")+"; "+(s.platform||"");
    const r=await (await fetch("api/readings?limit=600&device="+encodeURIComponent(d.device))).json();
    draw(box.querySelector("canvas"), r);
  }
}
tick(); setInterval(tick, 2000);
</script></body></html>
"""


def make_web_app(store):
    async def app(scope, receive, send):
        path = scope["path"]
        q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope["method"] not in ("GET", "HEAD"):
            return await _send(send, 405, b"method not allowed\n", "text/plain")
        if path == "/":
            return await _send(send, 200, PAGE.encode(), "text/html; charset=utf-8")
        if path == "/api/devices":
            out = []
            for device, n, last in store.devices():
                out.append({"device": device, "readings": n, "last_received": last,
                            "status": store.last_status(device)})
            return await _json(send, out)
        if path == "/api/readings":
            device = (q.get("device") or [""])[0]
            try:
                limit = max(1, min(5000, int((q.get("limit") or ["500"])[0])))
            except ValueError:
                return await _send(send, 400, b"bad limit\n", "text/plain")
            series = {}
            for _seq, s, ns, sensor, value, _unit in store.readings(device, limit=limit):
                series.setdefault(sensor, []).append([s * 1000 + ns // 1000000, value])
            return await _json(send, series)
        return await _send(send, 404, b"not found\n", "text/plain")

    return app


async def _json(send, obj):
    await _send(send, 200, json.dumps(obj).encode(), "application/json")


async def _send(send, status, body, ctype):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
