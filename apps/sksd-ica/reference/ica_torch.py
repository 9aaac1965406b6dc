#!/usr/bin/env python3
"""Independent PyTorch twin of the ICA protocol, for checking the TypeScript runs.

It trains on a problem written by `sksd-ica --export DIR` (the same training
data, test data, initial unmixing matrix and minibatch order as the cached
TypeScript run of that D and seed), with every formula written the plain way:
materialized [S, n, n] kernel matrices for maxSKSD, [n, n, D] for KSD, and
scores and gradients by torch autograd (no closed forms). Agreement of the two
test log-likelihood traces shows the TypeScript closed-form, slice-blocked
implementation trains the same thing; a shared shortfall against the published
table then belongs to the protocol, not to the implementation.

    sksd-ica --export /tmp/ica --dims 200 --seeds 60 --iterations 15000
    python3 reference/ica_torch.py /tmp/ica/D200-seed60 --method maxsksd --out trace.json

Protocol (the issue's, as in the reference experiment): model z = B x with
Laplace(0, 1) sources; Adam(1e-3, betas (0.9, 0.99)) on B; maxSKSD-g with
r = I fixed, g = I at the start, one Adam(1e-3, (0.9, 0.99)) ascent step on
the raw g per model step (rows normalized inside the statistic), V-statistic,
RBF k(a, b) = exp(-(a - b)^2 / h_i^2) with h_i^2 = 2 * median over pairs
j < k of the squared projected differences; KSD with the U-statistic and
h^2 = median of squared distances / log n.
"""

import argparse
import json
import math
import os
import time

import numpy as np
import torch


def load_problem(directory):
    with open(os.path.join(directory, "problem.json")) as f:
        header = json.load(f)
    arrays = {}
    for name, (dtype, shape) in header["files"].items():
        raw = np.fromfile(os.path.join(directory, f"{name}.bin"), dtype=np.float32 if dtype == "float32" else np.int32)
        arrays[name] = torch.from_numpy(raw.reshape(shape).copy())
    return header, arrays


def laplace_log_density(z):
    return -z.abs().sum(-1) - z.shape[-1] * math.log(2.0)


def mean_test_log_likelihood(x, unmixing):
    with torch.no_grad():
        z = x @ unmixing.T
        logdet = torch.linalg.slogdet(unmixing.double())[1].item()
        return laplace_log_density(z).double().mean().item() + logdet


def score(x, unmixing, create_graph):
    """grad_x log p(x) by autograd (a graph to the unmixing matrix if create_graph)."""
    x = x.detach().requires_grad_()
    log_p = laplace_log_density(x @ unmixing.T).sum()
    return torch.autograd.grad(log_p, x, create_graph=create_graph)[0]


class _Exp(torch.autograd.Function):
    """exp with NumPy's vectorized forward (Debian's torch 1.13 CPU exp is ~10x slower); d/dx exp = exp."""

    @staticmethod
    def forward(ctx, x):
        y = torch.from_numpy(np.exp(x.detach().numpy()))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


def pair_median(sq, lower):
    """Row-wise median of [S, m] values: the mean of the two middle ones, or the lower one."""
    m = sq.shape[1]
    lo, hi = (m - 1) // 2, m // 2
    part = np.partition(sq, (lo, hi), axis=1)
    med = part[:, lo] if lower else 0.5 * (part[:, lo] + part[:, hi])
    return torch.from_numpy(np.ascontiguousarray(med))


def sliced_ksd(x, s, r, g, ustat=False, median_with_self=False):
    """maxSKSD statistic for slice pairs (r_i, g_i), materialized [S, n, n].

    Pair term of slice i: s_j s_k k + c s_j dk/db + c s_k dk/da + c^2 d2k/dadb with
    a = x_j^T g_i, b = x_k^T g_i, s = r_i^T grad log p, c = r_i^T g_i and
    k = exp(-(a - b)^2 / h^2); written in t = a / h, beta = c / h, d = t_j - t_k:
    K [s_j s_k + 2 beta d (s_j - s_k) + beta^2 (2 - 4 d^2)].
    """
    n = x.shape[0]
    gn = g / (g.norm(dim=1, keepdim=True) + 1e-10)
    rn = r / (r.norm(dim=1, keepdim=True) + 1e-10)
    a = (x @ gn.T).T  # [S, n] projections x^T g_i
    sp = (s @ rn.T).T  # [S, n] projected scores r_i^T grad log p
    c = (rn * gn).sum(1)  # [S] r_i^T g_i
    with torch.no_grad():
        an = a.numpy()
        j, k = np.triu_indices(n, 0 if median_with_self else 1)
        sq = (an[:, :, None] - an[:, None, :])[:, j, k] ** 2
        # numpy-style median (mean of the two middle values); with self-pairs the lower one (torch.median)
        h = (2.0 * pair_median(sq, lower=median_with_self)).clamp_min(1e-12).sqrt()  # [S]
    t = a / h[:, None]
    beta = (c / h)[:, None, None]
    d = t[:, :, None] - t[:, None, :]
    sj, sk = sp[:, :, None], sp[:, None, :]
    d2 = d * d
    h_pair = _Exp.apply(-d2) * (sj * sk + 2.0 * beta * d * (sj - sk) + beta * beta * (2.0 - 4.0 * d2))
    if ustat:
        h_pair = h_pair * (1.0 - torch.eye(n))
        return h_pair.sum() / (n * (n - 1))
    return h_pair.sum() / (n * n)


def ksd_u(x, s):
    """KSD U-statistic, RBF exp(-|x - y|^2 / h^2), h^2 = median squared distance / log n."""
    n, dim = x.shape
    diff = x[:, None, :] - x[None, :, :]  # [n, n, D]
    r2 = (diff**2).sum(-1)
    with torch.no_grad():
        j, k = torch.triu_indices(n, n, offset=1)
        h2 = torch.quantile(r2[j, k], 0.5) / math.log(n)
    kern = torch.exp(-r2 / h2)
    grad_x = -2.0 / h2 * diff * kern[:, :, None]  # d k / d x_j
    grad_y = -grad_x
    trace = (2.0 * dim / h2 - 4.0 * r2 / h2**2) * kern
    h = (s @ s.T) * kern + (s[:, None, :] * grad_y).sum(-1) + (s[None, :, :] * grad_x).sum(-1) + trace
    h = h * (1.0 - torch.eye(n))
    return h.sum() / (n * (n - 1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("problem", help="a directory written by sksd-ica --export")
    p.add_argument("--method", choices=["maxsksd", "ksd"], default="maxsksd")
    p.add_argument("--iterations", type=int, default=None, help="default: all exported batches")
    p.add_argument("--g-steps", type=int, default=1, help="ascent steps on g per model step")
    p.add_argument("--ustat", action="store_true", help="maxSKSD U-statistic instead of V")
    p.add_argument("--median-with-self", action="store_true", help="median over pairs j <= k (lower middle value)")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None, help="JSON trace file (written atomically)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    header, arr = load_problem(args.problem)
    iterations = args.iterations or header["iterations"]
    if iterations > header["iterations"]:
        raise SystemExit(f"--iterations: the export has {header['iterations']} batches, asked for {iterations}")
    x_train, x_test, batches = arr["xTrain"], arr["xTest"], arr["batches"].long()
    dim = header["dim"]
    unmixing = arr["init"].clone().requires_grad_()
    opt = torch.optim.Adam([unmixing], lr=1e-3, betas=(0.9, 0.99))
    r = torch.eye(dim)
    g = torch.eye(dim).requires_grad_()
    opt_g = torch.optim.Adam([g], lr=1e-3, betas=(0.9, 0.99))

    trace = [[0, mean_test_log_likelihood(x_test, unmixing)]]
    t0 = time.time()
    for it in range(1, iterations + 1):
        x = x_train[batches[it - 1]]
        if args.method == "maxsksd":
            s = score(x, unmixing, create_graph=False).detach()
            for _ in range(args.g_steps):
                opt_g.zero_grad()
                (-sliced_ksd(x, s, r, g, args.ustat, args.median_with_self)).backward()
                opt_g.step()
            value = sliced_ksd(x, score(x, unmixing, True), r, g.detach(), args.ustat, args.median_with_self)
        else:
            value = ksd_u(x, score(x, unmixing, True))
        opt.zero_grad()
        value.backward()
        opt.step()
        if it % args.eval_every == 0 or it == iterations:
            ll = mean_test_log_likelihood(x_test, unmixing)
            trace.append([it, ll])
            print(f"it {it} test LL {ll:.3f} ({(time.time() - t0) / it * 1000:.1f} ms/it)", flush=True)
    result = {
        "implementation": f"pytorch {torch.__version__} (autograd, materialized), {args.threads} thread(s)",
        "method": args.method,
        "D": dim,
        "seed": header["seed"],
        "iterations": iterations,
        "gSteps": args.g_steps,
        "statistic": "u" if args.ustat or args.method == "ksd" else "v",
        "medianWithSelf": args.median_with_self,
        "testLogLik": trace[-1][1],
        "oracle": header["oracle"],
        "trace": trace,
        "seconds": time.time() - t0,
        "msPerIteration": (time.time() - t0) / iterations * 1000,
    }
    if args.out:
        tmp = f"{args.out}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(result, f, indent=2)
        os.replace(tmp, args.out)
    print(json.dumps({k: v for k, v in result.items() if k != "trace"}))


if __name__ == "__main__":
    main()
