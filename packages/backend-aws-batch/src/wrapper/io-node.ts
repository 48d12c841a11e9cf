/**
 * The task wrapper's I/O helper for images with Node.js (18 or later: it uses the global fetch),
 * run as `node -e <this> <command> …`. It does the HTTP the shell cannot: `record` (one task's record
 * by a ranged GET), `get` (an input), `pack` (the output bundle, one PUT) and `cells` (the aggregate's
 * `cells/<id>/` folders and manifest statuses). Its twin for Python images is `io-python.ts`; both
 * write and read the bundle format of `bundle.ts`.
 */
export const IO_NODE = String.raw`
const fs = require("fs"), path = require("path");
const [cmd, ...args] = process.argv.slice(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function http(url, init, what) {
  for (let i = 1; ; i++) {
    let status = 0, text = "";
    try {
      const res = await fetch(url, init);
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      status = res.status;
      text = (await res.text()).slice(0, 200);
    } catch (e) {
      text = String((e && e.cause && e.cause.code) || (e && e.message) || e);
    }
    const final = i >= 5 || (status >= 400 && status < 500 && status !== 408 && status !== 429);
    if (final) throw new Error(what + " failed: " + (status ? "HTTP " + status + " " : "") + text.replace(/\s+/g, " "));
    await sleep(250 * 2 ** i);
  }
}
function files(dir, base = dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) files(full, base, out);
    else if (e.isFile()) out.push([path.relative(base, full).split(path.sep).join("/"), full]);
  }
  return out;
}
function unbundle(buf) {
  let at = buf.indexOf(10);
  const head = JSON.parse(buf.subarray(0, at).toString());
  const entries = [];
  at++;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    const e = JSON.parse(buf.subarray(at, nl).toString());
    entries.push([e.path, buf.subarray(nl + 1, nl + 1 + e.size)]);
    at = nl + 1 + e.size;
  }
  return { head, entries };
}
const safe = (p) => p && !p.startsWith("/") && !p.split("/").includes("..");
function write(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}
async function main() {
  if (cmd === "record") {
    const [url, index, width] = [args[0], Number(args[1]), Number(args[2])];
    const start = index * width;
    let buf = await http(url, { headers: { range: "bytes=" + start + "-" + (start + width - 1) } }, "reading the task record");
    if (buf.length > width) buf = buf.subarray(start, start + width);
    process.stdout.write(buf.toString());
  } else if (cmd === "get") {
    write(args[1], await http(args[0], {}, "downloading " + path.basename(args[1])));
  } else if (cmd === "pack") {
    const [url, statusFile, ...dirs] = args;
    const attempts = fs.readFileSync(statusFile, "utf8").trim().split("\n").filter(Boolean).map((line) => {
      const [kind, code] = line.split(" ");
      return code === undefined || code === "" ? { kind } : { kind, code: Number(code) };
    });
    const parts = [Buffer.from(JSON.stringify({ mxnBundle: 1, attempts }) + "\n")];
    for (const dir of dirs) for (const [rel, full] of files(dir)) {
      const data = fs.readFileSync(full);
      parts.push(Buffer.from(JSON.stringify({ path: rel, size: data.length }) + "\n"), data);
    }
    await http(url, { method: "PUT", body: Buffer.concat(parts) }, "uploading the outputs");
  } else if (cmd === "cells") {
    const [url, dir] = args;
    const status = {};
    const list = (await http(url, {}, "downloading the cell list")).toString().split("\n").filter(Boolean);
    for (const line of list) {
      const [id, kind, src, rel] = line.split("\t");
      const cell = path.join(dir, "cells", id);
      fs.mkdirSync(cell, { recursive: true });
      if (kind === "file") {
        write(path.join(cell, rel), await http(src, {}, "downloading an output of " + id));
        continue;
      }
      let bundle;
      try {
        bundle = unbundle(await http(src, {}, "downloading the outputs of " + id));
      } catch (e) {
        status[id] = "failed";
        continue;
      }
      for (const [rel2, data] of bundle.entries) if (safe(rel2)) write(path.join(cell, rel2), data);
      const last = bundle.head.attempts[bundle.head.attempts.length - 1];
      status[id] = last && last.kind === "ok" ? "succeeded" : "failed";
      write(path.join(cell, "exit_code"), String(last && last.code !== undefined ? last.code : "") + "\n");
    }
    const file = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const c of manifest.cells) if (c.status === "pending") c.status = status[c.id] || "failed";
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n");
  } else {
    throw new Error("unknown command " + cmd);
  }
}
main().catch((e) => {
  process.stderr.write("mxn: " + e.message + "\n");
  process.exit(1);
});
`;
