#!/usr/bin/env python3
"""NumPy twins of the steinkit SVGD-direction and KSD workloads (float32).

Reads {"jobs": [{"id", "kind": "svgd"|"ksd"|"svgd_fixed"|"ksd_fixed", "n", "d"}], "runs", "warmup",
"maxSeconds"} as JSON on stdin and prints {"python", "results": [...]} on
stdout, in the shape of the TypeScript harness's WorkloadResult. Same inputs,
same kernel (RBF, k = exp(-r^2/h^2)) and the same bandwidth rule as the
TypeScript workloads: h^2 = median of all squared pairwise distances (self
pairs included) / log(n + 1), i.e. @steinkit/kernels SVGD_MEDIAN; the *_fixed
kinds use the fixed h^2 = d / 2 (the TypeScript `fixed` workloads).
"""
import json
import os
import platform
import resource
import sys
import time

import numpy as np


def sq_dists(x):
    sq = np.einsum("ij,ij->i", x, x)
    d = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(d, 0.0, out=d)
    return d


def svgd_median_h2(d, n):
    h2 = np.float32(np.median(d) / np.log(n + 1.0))
    return h2 if h2 > 0 else np.float32(1.0)


def fixed_h2(dim):
    return np.float32(dim / 2.0)


def svgd_direction(x, fixed=False):
    """Eq. (7) of SteinGAN: (1/n) sum_j k(x_j, x_i) s(x_j) + grad_{x_j} k(x_j, x_i), s(x) = -x."""
    n = x.shape[0]
    s = -x
    d = sq_dists(x)
    a = np.float32(1.0) / (fixed_h2(x.shape[1]) if fixed else svgd_median_h2(d, n))
    k = np.exp(-a * d)
    return (k @ (s - 2 * a * x) + 2 * a * x * k.sum(1, keepdims=True)) / np.float32(n)


def ksd_u(x, fixed=False):
    """U-statistic KSD^2 with the RBF Stein kernel, s(x) = -x (standard normal target)."""
    n, dim = x.shape
    s = -x
    d = sq_dists(x)
    a = np.float32(1.0) / (fixed_h2(dim) if fixed else svgd_median_h2(d, n))
    k = np.exp(-a * d)
    sx = s @ x.T  # s_i . x_j
    diag = np.diag(sx)
    u = k * (
        s @ s.T
        + 2 * a * (diag[:, None] - sx)
        - 2 * a * (sx.T - diag[None, :])
        + 2 * a * dim
        - 4 * a * a * d
    )
    return (u.sum() - np.trace(u)) / (n * (n - 1))


KINDS = {
    "svgd": svgd_direction,
    "ksd": ksd_u,
    "svgd_fixed": lambda x: svgd_direction(x, fixed=True),
    "ksd_fixed": lambda x: ksd_u(x, fixed=True),
}


def main():
    cfg = json.load(sys.stdin)
    runs, warmup, budget = cfg["runs"], cfg["warmup"], cfg["maxSeconds"]
    rate = {}
    results = []
    for job in cfg["jobs"]:
        kind, n, dim = job["kind"], job["n"], job["d"]
        cost = n * n * (dim + 8)
        base = kind.replace("_fixed", "")
        if base in rate and rate[base][0] * rate[base][1] >= 250 and rate[base][1] * cost / 1000 > budget * 4:
            results.append({"id": job["id"], "status": "skipped",
                            "note": "predicted %.0f s per run (> 4× budget %s s)" % (rate[base][1] * cost / 1000, budget)})
            continue
        rng = np.random.default_rng(7)
        x = (rng.standard_normal((n, dim), dtype=np.float32) * 0.5 + 1).astype(np.float32)
        fn = KINDS[kind]
        times = []
        cpu = []
        t_warm = 0.0
        c_warm = 0.0
        for _ in range(max(1, warmup)):
            t0 = time.perf_counter()
            c0 = time.process_time()
            fn(x)
            t_warm = (time.perf_counter() - t0) * 1000
            c_warm = (time.process_time() - c0) * 1000
        if t_warm > budget * 1000:
            times.append(t_warm)
            cpu.append(c_warm)
        else:
            start = time.perf_counter()
            for _ in range(runs):
                t0 = time.perf_counter()
                c0 = time.process_time()
                fn(x)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                if time.perf_counter() - start > budget:
                    break
        med = float(np.median(times))
        if base not in rate or cost >= rate[base][0]:
            rate[base] = (cost, med / cost)  # from the costliest job so far
        results.append({"id": job["id"], "status": "ok", "stats": {
            "median": med, "cpuMedian": float(np.median(cpu)), "min": min(times), "max": max(times), "runs": len(times),
            "warmup": max(1, warmup), "leakedTensors": 0,
            "rssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}})
        print("[numpy] %s: %.2f ms" % (job["id"], med), file=sys.stderr)
    threads = {k: os.environ.get(k, "unset") for k in
               ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(json.dumps({"python": platform.python_version(), "env": threads, "results": results}))


if __name__ == "__main__":
    main()
