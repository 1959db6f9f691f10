#!/usr/bin/env python3
"""Load gmm2trex exports with TRex's own Python client library and print what
TRex made of them. Nothing of TRex is part of gmm2trex: point this script at a
checkout of the public trex-core repository (or its scripts/ directory).

    scripts/trex-check.py TREX_CORE FILE...

FILE is a stateless profile (.yaml or .py, loaded with STLProfile.load_yaml /
load_py and compiled as the client does before add_stream) or an ASTF profile
(.py whose text mentions ASTFProfile, run through `astf-sim --json`). Exit
status 1 when TRex refuses any file.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import warnings


def scripts_dir(root):
    for d in (root, os.path.join(root, "scripts")):
        if os.path.isdir(os.path.join(d, "automation", "trex_control_plane", "interactive")):
            return os.path.abspath(d)
    sys.exit("trex-check: %s holds no scripts/automation/trex_control_plane/interactive" % root)


def setup_path(scripts):
    # The bundled PyYAML and scapy go first: TRex is written against them,
    # not against whatever the distribution ships.
    ext = os.path.join(scripts, "external_libs")
    sys.path.insert(0, os.path.join(scripts, "automation", "trex_control_plane", "interactive"))
    sys.path.insert(0, os.path.join(ext, "scapy-2.4.3"))
    sys.path.insert(0, os.path.join(ext, "pyyaml-3.11", "python3"))
    warnings.filterwarnings("ignore")
    import yaml
    import scapy
    print("using yaml %s from %s, scapy from %s" % (yaml.__version__, os.path.dirname(yaml.__file__), os.path.dirname(scapy.__file__)))


def check_stl(path):
    from trex.stl.api import STLProfile, STLTXCont
    if path.endswith(".py"):
        prof = STLProfile.load_py(path, direction=0, port_id=0)
        prof1 = STLProfile.load_py(path, direction=1, port_id=1)
        profs = [("direction 0 (port 0)", prof), ("direction 1 (port 1)", prof1)]
    else:
        profs = [("", STLProfile.load_yaml(path))]
    for label, prof in profs:
        streams = prof.get_streams()
        if not streams:
            print("  %s: no streams" % (label or "profile"))
            continue
        # What the client does before add_stream: unique names, next resolved
        # to stream ids, each stream serialised to the server's JSON.
        ids, names = {}, []
        for i, s in enumerate(streams, 1):
            n = s.get_name() if s.get_name() is not None else id(s)
            if n in ids:
                raise Exception("multiple streams with name: '%s'" % n)
            ids[n] = i
            names.append(n)
        js = []
        for s in streams:
            nxt = s.get_next()
            if nxt and nxt not in ids:
                raise Exception("stream dependency error - unable to find '%s'" % nxt)
            j = s.to_json()
            j["next_stream_id"] = ids[nxt] if nxt else -1
            js.append(j)
        # Reachability: a self_start stream, then next links.
        reach, todo = set(), [n for n, j in zip(names, js) if j["self_start"]]
        while todo:
            n = todo.pop()
            if n in reach:
                continue
            reach.add(n)
            nxt = streams[ids[n] - 1].get_next()
            if nxt:
                todo.append(nxt)
        frames = [base64.b64decode(j["packet"]["binary"]) for j in js]
        lens = [len(f) for f in frames]
        isgs = [j["isg"] for j in js]
        modes = sorted({j["mode"]["type"] for j in js})
        vm = sorted({ins["type"] for j in js for ins in j["vm"]["instructions"]})
        print("  %s%d streams (%d self_start), %d reachable from a self_start stream, modes %s" % (
            label + ": " if label else "", len(streams), sum(j["self_start"] for j in js), len(reach), ",".join(modes)))
        print("    frame bytes %d..%d, isg %.3f..%.3f us (sum %.3f s), action_count of the looping stream %s, flags %s" % (
            min(lens), max(lens), min(isgs), max(isgs), sum(isgs) / 1e6,
            [j["action_count"] for j in js if j["next_stream_id"] == ids[names[0]]][:1],
            sorted({j["flags"] for j in js})))
        # Equal digests show that two exports (say YAML and Python) send the
        # same frames.
        print("    frames sha1 %s" % hashlib.sha1(b"".join(frames)).hexdigest())
        for j in js:
            if j["mode"]["type"] == "continuous":
                fv = [i for i in j["vm"]["instructions"] if i["type"] == "flow_var"]
                vl = fv[0].get("value_list") if fv else None
                print("    continuous stream: rate %s %s, vm %s, value_list %s" % (
                    j["mode"]["rate"]["type"], j["mode"]["rate"]["value"], vm,
                    "%d values %d..%d" % (len(vl), min(vl), max(vl)) if vl else None))
        if len(reach) != len(streams):
            raise Exception("%d streams are not reachable" % (len(streams) - len(reach)))


def check_astf(path, scripts):
    env = dict(os.environ, PYTHONPATH=os.path.join(scripts, "automation", "trex_control_plane", "interactive"))
    r = subprocess.run([sys.executable, "-W", "ignore", "-m", "trex.astf.sim", "-p", scripts, "-f", os.path.abspath(path), "--json"],
                       cwd=scripts, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise Exception("astf-sim failed (exit %d):\n%s%s" % (r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    out = r.stdout[r.stdout.index("{"):]
    j = json.loads(out)
    bufs = j.get("buf_list", [])
    print("  astf-sim --json: %d buffers (%s bytes), %d programs, %d templates, ip_gen %s" % (
        len(bufs), ",".join(str(len(base64.b64decode(b))) for b in bufs[:8]) + ("…" if len(bufs) > 8 else ""),
        len(j.get("program_list", [])), len(j.get("templates", [])),
        ["%s %s-%s" % (g["dir"], g["ip_start"], g["ip_end"]) for g in j.get("ip_gen_dist_list", [])]))
    for i, p in enumerate(j.get("program_list", [])):
        cmds = p["commands"]
        kinds = {}
        for c in cmds:
            kinds[c["name"]] = kinds.get(c["name"], 0) + 1
        print("    program %d: %d commands %s" % (i, len(cmds), kinds))
    for t in j.get("templates", []):
        ct = t["client_template"]
        print("    template: client cps %s, port %s, program %s; server port %s, program %s" % (
            ct.get("cps"), ct.get("port"), ct.get("program_index"),
            t["server_template"]["assoc"][0].get("port"), t["server_template"].get("program_index")))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    scripts = scripts_dir(sys.argv[1])
    setup_path(scripts)
    bad = 0
    for path in sys.argv[2:]:
        print("%s:" % path)
        try:
            text = open(path, errors="replace").read()
            if path.endswith(".py") and "ASTFProfile" in text:
                check_astf(path, scripts)
            else:
                check_stl(path)
            print("  OK")
        except BaseException as e:
            bad += 1
            print("  REFUSED: %s: %s" % (type(e).__name__, e))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
