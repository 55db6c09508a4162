"""Overhead of heptorch's Learner against a hand-written PyTorch loop doing the same arithmetic.

Two measurements, both alternating Learner and plain loop in one process:
1. Per-batch overhead in microseconds: a model so small (4 -> 1 linear, batch 32) that the loop's own bookkeeping
   dominates; many batches per run and `--us-rounds` runs; reports the median of the per-round
   (learner CPU time - plain CPU time) / batches and the same difference between the fastest runs of each. This number does not depend on how big the model is.
2. The ratio on a realistic job (below), which is what a user feels: the overhead divided by the batch's work.

Trains a 3x100 ReLU MLP on 200,000 x 28 random rows (weighted BCE, Adam, batch 256, 2 epochs, shuffled each epoch),
once with `Learner` (Recorder and ProgressCallback on) and once with a minimal loop, alternating in one process.
An untimed warm-up runs both first; the order alternates between rounds. Prints per-run wall and CPU times, the median CPU-time ratio, the ratio of the
fastest runs, and as the last line `loop_overhead_ratio=<median of the per-round learner/plain ratios>`.

    PYTHONPATH=$PWD python experiments/bench_loop.py [--rounds 5] [--n 200000] [--threads 1] [--us-rounds 7] [--out results.json]
"""
import argparse, json, os, time, statistics
from pathlib import Path
import torch, torch.nn.functional as F
from torch import nn
from heptorch.core import set_seed
from heptorch.data import ArrayLoader, DataLoaders
from heptorch.learner import Learner
from heptorch.losses import WeightedBCEWithLogits

def mlp(n_in):
    return nn.Sequential(nn.Linear(n_in, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1))

def run_learner(x, y, w, bs, n_epoch, make=mlp):
    set_seed(1)
    model = make(x.shape[1])
    dls = DataLoaders(ArrayLoader(x, y, w, bs=bs, shuffle=True, seed=2, device='cpu'))
    learn = Learner(model, dls, WeightedBCEWithLogits(), lr=1e-3, device='cpu', progress=True)
    t0, c0 = time.perf_counter(), time.process_time(); learn.fit(n_epoch)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return dt, learn.recorder.values['train_loss'][-1], model, dc

def run_plain(x, y, w, bs, n_epoch, make=mlp):
    set_seed(1)
    model = make(x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(2)
    n = len(x)
    t0, c0 = time.perf_counter(), time.process_time()
    for epoch in range(n_epoch):
        model.train()
        idx = torch.randperm(n, generator=gen)
        xs, ys, ws = x[idx], y[idx], w[idx]
        tot, wtot = torch.zeros(()), torch.zeros(())
        for i in range(0, n, bs):
            xb, yb, wb = xs[i:i+bs], ys[i:i+bs], ws[i:i+bs]
            out = model(xb)[:, 0]
            l = (wb * F.binary_cross_entropy_with_logits(out, yb, reduction='none')).sum() / wb.sum()
            l.backward(); opt.step(); opt.zero_grad(set_to_none=True)
            tot += l.detach() * wb.sum(); wtot += wb.sum()
        last = (tot / wtot).item()
    return time.perf_counter() - t0, last, model, time.process_time() - c0

def overhead_us(rounds, n_batches=5000, bs=32):
    "Per-batch overhead of the Learner (Recorder + progress bar) over a plain loop on a 4->1 linear model, in microseconds"
    g = torch.Generator().manual_seed(1)
    x, y, w = torch.randn(n_batches * bs, 4, generator=g), torch.randint(0, 2, (n_batches * bs,), generator=g).float(), torch.rand(n_batches * bs, generator=g) + 0.5
    lin = lambda n_in: nn.Linear(n_in, 1)
    run_learner(x, y, w, bs, 1, lin); run_plain(x, y, w, bs, 1, lin)   # warm-up
    per, tl, tp = [], [], []
    for r in range(rounds):
        order = (run_learner, run_plain) if r % 2 == 0 else (run_plain, run_learner)
        res = {f.__name__: f(x, y, w, bs, 1, lin) for f in order}
        per.append((res['run_learner'][3] - res['run_plain'][3]) / n_batches * 1e6)   # CPU time: insensitive to waiting for a core
        tl.append(res['run_learner'][3]); tp.append(res['run_plain'][3])
        print(f"overhead round {r}: learner {res['run_learner'][3]:.3f}s plain {res['run_plain'][3]:.3f}s cpu for {n_batches} batches"
              f" -> {per[-1]:.1f} us/batch", flush=True)
    # the difference of the fastest runs: each minimum is the run least disturbed by other load
    return per, (min(tl) - min(tp)) / n_batches * 1e6, n_batches

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5); ap.add_argument('--n', type=int, default=200_000)
    ap.add_argument('--bs', type=int, default=256); ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--us-rounds', type=int, default=7, help='rounds of the per-batch overhead measurement')
    ap.add_argument('--out', default=None, help='write the results as JSON here')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(a.n, 28, generator=g)
    y = torch.randint(0, 2, (a.n,), generator=g).float()
    w = torch.rand(a.n, generator=g) + 0.5
    print(f"rows={a.n} features=28 bs={a.bs} epochs={a.epochs} threads={a.threads} torch={torch.__version__}")
    # untimed warm-up of both paths (imports, allocator pages for the full-size shuffled copies, first optimiser steps)
    run_learner(x, y, w, a.bs, 1); run_plain(x, y, w, a.bs, 1)
    ratios, tls, tps, cratios = [], [], [], []
    for r in range(a.rounds):
        order = (run_learner, run_plain) if r % 2 == 0 else (run_plain, run_learner)
        res = {f.__name__: f(x, y, w, a.bs, a.epochs) for f in order}
        (tl, ll, ml, cl), (tp, lp, mp, cp) = res['run_learner'], res['run_plain']
        same = all(torch.allclose(p, q, atol=1e-5) for p, q in zip(ml.parameters(), mp.parameters()))
        ratios.append(tl / tp); tls.append(tl); tps.append(tp); cratios.append(cl / cp)
        print(f"round {r}: wall learner {tl:.2f}s plain {tp:.2f}s ratio {tl/tp:.3f} | cpu learner {cl:.2f}s plain {cp:.2f}s ratio {cl/cp:.3f}"
              f" | last-epoch loss {ll:.5f} vs {lp:.5f}, same weights: {same}")
    us, us_fast, nb = overhead_us(a.us_rounds)
    print(f"per-batch overhead: median {statistics.median(us):.1f} us of the per-round differences, {us_fast:.1f} us between the fastest runs"
          f" ({a.us_rounds} rounds of {nb} batches; single rounds range {min(us):.1f} to {max(us):.1f} us)")
    print(f"ratio of fastest runs (less sensitive to other load): {min(tls) / min(tps):.3f}")
    print(f"median CPU-time ratio (process_time, insensitive to waiting for a shared core): {statistics.median(cratios):.3f}")
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(dict(settings=vars(a), torch=torch.__version__, load_before_after=os.getloadavg(),
            wall_ratios=ratios, cpu_ratios=cratios, overhead_us=us, overhead_us_fastest=us_fast, overhead_us_median=statistics.median(us),
            cpu_ratio_median=statistics.median(cratios), loop_overhead_ratio=statistics.median(ratios)), indent=1))
    print(f"loop_overhead_ratio={statistics.median(ratios):.3f}")
