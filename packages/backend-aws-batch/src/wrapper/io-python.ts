/**
 * The task wrapper's I/O helper for images with Python 3 and no Node.js, run as
 * `python3 -c <this> <command> …`: the same commands and bundle format as `io-node.ts`.
 */
export const IO_PYTHON = String.raw`
import json, os, sys, time, urllib.request, urllib.error
cmd, args = sys.argv[1], sys.argv[2:]
def http(url, what, method="GET", data=None, headers=None):
    for i in range(1, 6):
        status, text = 0, ""
        try:
            req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
            with urllib.request.urlopen(req, timeout=300) as res:
                return res.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()[:200].decode("utf8", "replace")
        except Exception as e:
            text = str(e)
        if i >= 5 or (400 <= status < 500 and status not in (408, 429)):
            raise RuntimeError(what + " failed: " + ("HTTP %d " % status if status else "") + " ".join(text.split()))
        time.sleep(0.25 * 2 ** i)
def write(file, data):
    os.makedirs(os.path.dirname(file), exist_ok=True)
    with open(file, "wb") as f:
        f.write(data)
def unbundle(buf):
    at = buf.index(b"\n")
    head = json.loads(buf[:at])
    entries, at = [], at + 1
    while at < len(buf):
        nl = buf.index(b"\n", at)
        e = json.loads(buf[at:nl])
        entries.append((e["path"], buf[nl + 1:nl + 1 + e["size"]]))
        at = nl + 1 + e["size"]
    return head, entries
def safe(p):
    return p and not p.startswith("/") and ".." not in p.split("/")
def main():
    if cmd == "record":
        url, index, width = args[0], int(args[1]), int(args[2])
        start = index * width
        buf = http(url, "reading the task record", headers={"Range": "bytes=%d-%d" % (start, start + width - 1)})
        if len(buf) > width:
            buf = buf[start:start + width]
        sys.stdout.write(buf.decode("utf8"))
    elif cmd == "get":
        write(args[1], http(args[0], "downloading " + os.path.basename(args[1])))
    elif cmd == "pack":
        url, status_file, dirs = args[0], args[1], args[2:]
        attempts = []
        for line in open(status_file).read().split("\n"):
            if not line.strip():
                continue
            kind, _, code = line.partition(" ")
            attempts.append({"kind": kind, "code": int(code)} if code.strip() else {"kind": kind})
        parts = [(json.dumps({"mxnBundle": 1, "attempts": attempts}) + "\n").encode()]
        for d in dirs:
            for root, _, names in os.walk(d):
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if not os.path.isfile(full):
                        continue
                    data = open(full, "rb").read()
                    rel = os.path.relpath(full, d).replace(os.sep, "/")
                    parts += [(json.dumps({"path": rel, "size": len(data)}) + "\n").encode(), data]
        http(url, "uploading the outputs", method="PUT", data=b"".join(parts))
    elif cmd == "cells":
        url, d = args
        status = {}
        for line in http(url, "downloading the cell list").decode("utf8").split("\n"):
            if not line:
                continue
            cid, kind, src, rel = line.split("\t")
            cell = os.path.join(d, "cells", cid)
            os.makedirs(cell, exist_ok=True)
            if kind == "file":
                write(os.path.join(cell, rel), http(src, "downloading an output of " + cid))
                continue
            try:
                head, entries = unbundle(http(src, "downloading the outputs of " + cid))
            except Exception:
                status[cid] = "failed"
                continue
            for rel2, data in entries:
                if safe(rel2):
                    write(os.path.join(cell, rel2), data)
            last = head["attempts"][-1] if head["attempts"] else None
            status[cid] = "succeeded" if last and last["kind"] == "ok" else "failed"
            write(os.path.join(cell, "exit_code"), (str(last["code"]) if last and "code" in last else "").encode() + b"\n")
        file = os.path.join(d, "manifest.json")
        manifest = json.load(open(file))
        for c in manifest["cells"]:
            if c["status"] == "pending":
                c["status"] = status.get(c["id"], "failed")
        with open(file, "w") as f:
            f.write(json.dumps(manifest, indent=2) + "\n")
    else:
        raise RuntimeError("unknown command " + cmd)
try:
    main()
except Exception as e:
    sys.stderr.write("mxn: %s\n" % e)
    sys.exit(1)
`;
