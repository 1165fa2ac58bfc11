// EchoService (../echo.proto) on connect-node, for buffa.connect's interop tests.
//
//   node connect_node_server.mjs [--tls CERT KEY] [--port-file F] [--lifetime-s 120]
//
// Generates the message code with protoc-gen-es into a temporary directory,
// binds 127.0.0.1 on a free port, writes "PORT PID" to --port-file and exits
// after --lifetime-s seconds. Needs `npm ci` in this folder.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const protoDir = path.dirname(here);
const root = path.resolve(protoDir, "../..");

function arg(name, n = 1) {
  const i = process.argv.indexOf(name);
  return i < 0 ? null : process.argv.slice(i + 1, i + 1 + n);
}
const tls = arg("--tls", 2);
const portFile = arg("--port-file")?.[0];
const lifetimeS = Number(arg("--lifetime-s")?.[0] ?? 120);

function writePortFile(text) {
  if (!portFile) return;
  fs.writeFileSync(portFile + ".tmp", text + "\n");
  fs.renameSync(portFile + ".tmp", portFile);
}

let connect, connectNode, protobuf, wkt;
try {
  connect = await import("@connectrpc/connect");
  connectNode = await import("@connectrpc/connect-node");
  protobuf = await import("@bufbuild/protobuf");
} catch (e) {
  // Tell the test to skip, with the reason, instead of failing to start.
  writePortFile("SKIP connect-node server needs `npm ci` in host_tests/connect/servers");
  process.exit(0);
}

// protoc from the project venv (the protoc PyPI package), else from PATH.
const venvProtoc = path.join(root, ".venv", "bin", "protoc");
const protoc = fs.existsSync(venvProtoc) ? venvProtoc : "protoc";
// Inside node_modules (git-ignored), so the generated module resolves
// @bufbuild/protobuf from this folder's packages.
const out = fs.mkdtempSync(path.join(here, "node_modules", ".echo-gen-"));
execFileSync(protoc, [
  "-I" + protoDir,
  "--plugin=protoc-gen-es=" + path.join(here, "node_modules", ".bin", "protoc-gen-es"),
  "--es_out=" + out,
  "--es_opt=target=js",
  path.join(protoDir, "echo.proto"),
]);
const pb = await import(pathToFileURL(path.join(out, "echo_pb.js")).href);

const { Code, ConnectError } = connect;
const { create } = protobuf;
const codes = {};
for (const [name, value] of Object.entries(Code)) {
  if (typeof value === "number") codes[name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()] = value;
}

async function answer(req, ctx) {
  if (req.sleepMs) await new Promise((r) => setTimeout(r, req.sleepMs));
  ctx.responseHeader.set("x-echo-response", "yes");
  ctx.responseTrailer.set("x-echo-trailer", "done");
  if (req.failCode) {
    ctx.responseHeader.set("x-fail", "header");
    ctx.responseTrailer.set("x-fail-trailer", "trailer");
    throw new ConnectError(req.text, codes[req.failCode] ?? Code.Unknown, undefined, [
      { desc: pb.ErrorInfoSchema, value: { reason: "because", attempt: 3 } },
    ]);
  }
  const seen = [];
  ctx.requestHeader.forEach((v, k) => {
    if (k.toLowerCase().startsWith("x-echo-")) seen.push(`${k.toLowerCase()}: ${v}`);
  });
  seen.sort();
  const payload = new Uint8Array(req.payload.length * Math.max(1, req.repeat));
  for (let i = 0; i < Math.max(1, req.repeat); i++) payload.set(req.payload, i * req.payload.length);
  return create(pb.EchoResponseSchema, {
    text: req.text,
    payload,
    headers: seen,
    method: ctx.requestMethod,
    requestEncoding: ctx.requestHeader.get("content-encoding") ?? "",
  });
}

async function* watch(req, ctx) {
  ctx.responseHeader.set("x-echo-response", "yes");
  ctx.responseTrailer.set("x-echo-trailer", "done");
  for (let i = 0; i < Math.max(1, req.repeat); i++) {
    if (i && req.sleepMs) await new Promise((r) => setTimeout(r, req.sleepMs));
    yield create(pb.EchoResponseSchema, { text: `${req.text} ${i}`, payload: req.payload });
  }
  if (req.failCode) {
    throw new ConnectError(req.text, codes[req.failCode] ?? Code.Unknown, undefined, [
      { desc: pb.ErrorInfoSchema, value: { reason: "because", attempt: 3 } },
    ]);
  }
}

async function collect(reqs, ctx) {
  ctx.responseTrailer.set("x-echo-trailer", "done");
  const texts = [];
  const parts = [];
  for await (const r of reqs) {
    if (r.failCode) throw new ConnectError(r.text, codes[r.failCode] ?? Code.Unknown);
    texts.push(r.text);
    parts.push(r.payload);
  }
  const payload = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    payload.set(p, at);
    at += p.length;
  }
  return create(pb.EchoResponseSchema, { text: texts.join(","), payload });
}

const handler = connectNode.connectNodeAdapter({
  routes(router) {
    router.service(pb.EchoService, { echo: answer, lookup: answer, watch, collect });
  },
});

const server = tls
  ? https.createServer({ cert: fs.readFileSync(tls[0]), key: fs.readFileSync(tls[1]) }, handler)
  : http.createServer(handler);
server.keepAliveTimeout = 30000;
server.listen(0, "127.0.0.1", () => {
  writePortFile(`${server.address().port} ${process.pid}`);
});
setTimeout(() => {
  fs.rmSync(out, { recursive: true, force: true });
  process.exit(0);
}, lifetimeS * 1000).unref();
process.on("SIGTERM", () => {
  fs.rmSync(out, { recursive: true, force: true });
  process.exit(0);
});
