"""How close can a K-bin summary get to the analytical limit? Bin the toy's *true* locally sufficient statistic.

At the nominal point the extended likelihood of one event changes with (s, r, lambda) only through the scores
t(x) = d/d(s, r, lambda) log f(x), with f(x) = s p_s(x) + b p_b(x; r, lambda) (b's score is fixed by s's). A binned
statistic keeps the Fisher information sum_bins nu_k E[t|k] E[t|k]^T and loses the within-bin spread of t, so
weighted k-means on Fisher-whitened scores is a good (not provably optimal) K-bin quantisation. Its widths, evaluated
exactly like a network's (`bm_width` on hard templates from the same independent sample), show how much of INFERNO's
gap is the binning itself rather than training.

Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/inferno_oracle_bins.py [--ks 10,20,30,50] [--n_fit 200000] [--n_test 1000000]
Writes experiments/results/inferno_oracle_bins.json.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from heptorch.inferno.toy import toy_events, toy_intensity, shift_bkg, BENCHMARKS, TOY_NOMINAL
from heptorch.inferno.eval import bm_width
from heptorch.stats.hist import hard_hist

def scores(x):
    "Scores d log f / d(s, r, lam) at nominal, shape (n, 3), float64"
    x = torch.as_tensor(x, dtype=torch.float64)
    out = []
    for xc in x.split(200_000):
        # per-event scores, analytic for this mixture: d log f / d theta = (d f / d theta) / f
        s, b = TOY_NOMINAL['s'], TOY_NOMINAL['b']
        ps, pb = toy_intensity(xc, 1., 0., 3., 0.), toy_intensity(xc, 0., 0., 3., 1.)
        f = s * ps + b * pb
        d_r = b * pb * (xc[:, 0] - 2.) / 5.       # d p_b / d r, x0 ~ N(2 + r, variance 5)
        d_lam = b * pb * (1. / 3. - xc[:, 2])     # d p_b / d lambda of lambda exp(-lambda x2), at lambda = 3
        out.append(torch.stack([ps / f, d_r / f, d_lam / f], 1))
    return torch.cat(out)

def kmeans(t, w, k, iters=60, seed=0):
    "Weighted Lloyd's k-means; returns centroids (k, d)"
    g = torch.Generator().manual_seed(seed)
    c = t[torch.multinomial(w / w.sum(), k, replacement=False, generator=g)].clone()
    for _ in range(iters):
        lab = torch.cdist(t, c).argmin(1)
        wsum = torch.zeros(k, dtype=t.dtype).index_add_(0, lab, w)
        new = torch.zeros_like(c).index_add_(0, lab, w[:, None] * t) / wsum.clamp_min(1e-30)[:, None]
        empty = wsum == 0
        new[empty] = t[torch.randint(0, len(t), (int(empty.sum()),), generator=g)]
        if torch.allclose(new, c): break
        c = new
    return c

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ks', default='10,20,30,50')
    p.add_argument('--n_fit', type=int, default=200_000)
    p.add_argument('--n_test', type=int, default=1_000_000)
    p.add_argument('--out', default='experiments/results/inferno_oracle_bins.json')
    a = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    s, b = TOY_NOMINAL['s'], TOY_NOMINAL['b']
    rng = np.random.default_rng(7)
    xs, xb = torch.from_numpy(toy_events(a.n_fit, 'sig', seed=rng)), torch.from_numpy(toy_events(a.n_fit, 'bkg', seed=rng))
    t = torch.cat([scores(xs), scores(xb)])
    w = torch.cat([torch.full((a.n_fit,), s / a.n_fit), torch.full((a.n_fit,), b / a.n_fit)]).to(torch.float64)
    F = (w[:, None, None] * t[:, :, None] * t[:, None, :]).sum(0)   # Fisher information of (s, r, lam), unconstrained
    ev, U = torch.linalg.eigh(F)
    Wh = U @ torch.diag(ev.rsqrt()) @ U.T                            # Fisher whitening: k-means distance = information lost
    tw = t @ Wh
    # the same independent test sample as toy_templates (seed 1234)
    rt = np.random.default_rng(1234)
    ts, tb = torch.from_numpy(toy_events(a.n_test, 'sig', seed=rt)), torch.from_numpy(toy_events(a.n_test, 'bkg', seed=rt))
    res = {'ks': {}, 'n_fit_per_class': a.n_fit, 'n_test_per_class': a.n_test, 'statistic': 'weighted k-means of Fisher-whitened scores d log f/d(s, r, lam) at nominal'}
    for k in [int(v) for v in a.ks.split(',')]:
        c = kmeans(tw, w, k)
        lab = lambda x: torch.cdist(scores(x) @ Wh, c).argmin(1).to(torch.float64)
        edges = torch.arange(k + 1, dtype=torch.float64) - 0.5
        h = lambda x: hard_hist(lab(x), edges, normalise=True)
        T = {'sig': h(ts), 'bkg': h(tb)}
        for name, vals in (('r', (-0.2, 0.2)), ('lam', (2.5, 3.5))): T[name] = tuple(h(shift_bkg(tb, **{name: v})) for v in vals)
        res['ks'][k] = {bm: bm_width(T, bm) for bm in BENCHMARKS}
        print(k, {bm: round(v, 2) for bm, v in res['ks'][k].items()}, f'{time.time() - t0:.0f}s', flush=True)
    res['wall_s'] = time.time() - t0
    Path(a.out).write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
