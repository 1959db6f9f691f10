#!/usr/bin/python3
"""Compare gmm2trex's 1-D mixture fits with scikit-learn's GaussianMixture.

For every direction of every capture given (default ../shared/pcaps/*.pcap;
flows, payload sizes, 3..97 percentile trimming, >= 100 packets), on the
IAT, log-IAT and size series, our automatic fit (BIC over 1..12, 10 restarts)
is compared with sklearn.mixture.GaussianMixture at the same k: mean
log-likelihood per sample and BIC. Ours must be at least sklearn's minus
0.01 nats/sample. Then the time of an automatic fit (k = 1..12 by BIC) on
the Skype log-IAT series (~3,500 values), ours against sklearn's loop.

Run from the repository root:  /usr/bin/python3 scripts/sklearn_compare.py
(needs apt's python3-sklearn; it is not part of go test).
"""

import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.mixture import GaussianMixture

TOL = 0.01  # nats per sample


def main():
    caps = sys.argv[1:] or sorted(glob.glob("../shared/pcaps/*.pcap"))
    tmp = tempfile.mkdtemp()
    tool = os.path.join(tmp, "gmmcompare")
    subprocess.run(["go", "build", "-o", tool, "./scripts/gmmcompare"], check=True)
    series = json.loads(subprocess.run([tool, "series", *caps], check=True, capture_output=True).stdout)

    head = f"{'series':<70} {'n':>5} {'dist':>5} {'k':>3} {'ours ll/n':>10} {'sk ll/n':>10} {'sk10 ll/n':>10} {'diff':>8} {'ours BIC':>11} {'sk BIC':>11} ok"
    print(head)
    print("-" * len(head))
    failures = 0
    for s in series:
        x = np.asarray(s["values"]).reshape(-1, 1)
        k = s["k"]
        sk = GaussianMixture(n_components=k, random_state=0).fit(x)
        sk10 = GaussianMixture(n_components=k, random_state=0, n_init=10).fit(x)
        ll, ll10 = sk.score(x), sk10.score(x)
        best = max(ll, ll10)
        diff = s["loglik_per_sample"] - best
        ok = diff >= -TOL
        failures += not ok
        print(f"{s['name']:<70} {len(x):>5} {s['distinct']:>5} {k:>3} {s['loglik_per_sample']:>10.4f} {ll:>10.4f} {ll10:>10.4f} "
              f"{diff:>+8.4f} {s['bic']:>11.1f} {min(sk.bic(x), sk10.bic(x)):>11.1f} {'yes' if ok else 'NO'}")
    print(f"\n{len(series) - failures} of {len(series)} series within {TOL} nats/sample of sklearn's best (n_init 1 or 10) or better")

    # Timing: automatic k on the Skype 'to' log-IAT, both in this run.
    pick = [s for s in series if "skypeLANhome" in s["name"] and s["name"].endswith(" to log-iat")]
    if not pick:
        return
    s = pick[0]
    path = os.path.join(tmp, "x.txt")
    with open(path, "w") as f:
        f.write("\n".join(repr(v) for v in s["values"]))
    ours = json.loads(subprocess.run([tool, "bench", path, "9"], check=True, capture_output=True).stdout)
    x = np.asarray(s["values"]).reshape(-1, 1)
    times, ks = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        bics = [GaussianMixture(n_components=k, random_state=0).fit(x).bic(x) for k in range(1, 13)]
        times.append((time.perf_counter() - t0) * 1000)
        ks = int(np.argmin(bics)) + 1
    sk_ms = statistics.median(times)
    print(f"\nauto fit (k = 1..12 by BIC) of {s['name']} ({len(x)} values):")
    print(f"  gmm2trex (10 restarts per k): median {ours['median_ms']:.1f} ms over {ours['runs']} runs, k = {ours['k']}")
    print(f"  sklearn (1 init per k):       median {sk_ms:.1f} ms over 3 runs, k = {ks}")
    print(f"  ratio sklearn / gmm2trex: {sk_ms / ours['median_ms']:.1f}x")


if __name__ == "__main__":
    main()
