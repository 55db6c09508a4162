"""Where does INFERNO's gap to the analytical limit come from? One change at a time from the paper recipe, at BM4.

Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/inferno_ablation.py [--seeds 3] [--jobs 2] [--only name,name]
Each configuration trains exact INFERNO for BM4 with `train_toy` (paper recipe plus the named changes), then
evaluates the half-width on s at BM4 with hard (argmax) templates from an independent sample, and also with soft
templates at the final training temperature (the statistic the optimiser saw), and the Fisher sigma of the hard
statistic with local nuisance derivatives instead of the table's +-step template interpolation (`local_width`). Results
are merged into experiments/results/inferno_ablation.json (a rerun of a configuration replaces its runs); `--merge F`
merges the runs of another results file (e.g. a batch written with --out elsewhere) without training.
"""
import argparse, json, os, time
from multiprocessing import Pool
from pathlib import Path
import numpy as np
import torch

PAPER_RECIPE = dict(n=50_000, epochs=15, bs=2000, lr=1e-3, tau=0.1, tau_end=None, hidden=100, n_bins=10, schedule='constant', split_bins=False, exact=True)
CONFIGS = {
    'paper': {},
    'bs 8000': dict(bs=8000),
    'bs 8000 + epochs 60': dict(bs=8000, epochs=60),
    'epochs 45': dict(epochs=45),
    'one-cycle lr 3e-3': dict(schedule='one_cycle', lr=3e-3),
    'tau 0.1 -> 0.02': dict(tau_end=0.02),
    'width 200': dict(hidden=200),
    'bins 20': dict(n_bins=20),
    'n 200k/class': dict(n=200_000),
    'lr 3e-3': dict(lr=3e-3),
    'bs 1000': dict(bs=1000),
    'bs 500': dict(bs=500),
    'epochs 150': dict(epochs=150),
    'epochs 45 + width 200 + bins 20': dict(epochs=45, hidden=200, n_bins=20),
    'bins 30': dict(n_bins=30),
    'bins 30 + epochs 45': dict(n_bins=30, epochs=45),
    'split': dict(split_bins=True),
    'bins 30 + split': dict(n_bins=30, split_bins=True),
    'bins 50 + split': dict(n_bins=50, split_bins=True),
    'bins 30 + split + epochs 30': dict(n_bins=30, split_bins=True, epochs=30),
    'approximate': dict(exact=False),
    'bins 30 + split + approximate': dict(n_bins=30, split_bins=True, exact=False),
    'bins 50 + split + approximate': dict(n_bins=50, split_bins=True, exact=False),
}

def soft_templates(model, tau, n=1_000_000, seed=1234):
    "Templates from the soft histogram at temperature tau (what training optimises), same test sample as toy_templates"
    from heptorch.inferno.toy import toy_events, shift_bkg
    from heptorch.stats.hist import soft_hist
    rng = np.random.default_rng(seed)
    xs, xb = torch.from_numpy(toy_events(n, 'sig', seed=rng)), torch.from_numpy(toy_events(n, 'bkg', seed=rng))
    model.eval()
    def h(x):
        with torch.no_grad(): return soft_hist(torch.cat([model(c) for c in x.split(200_000)]), tau=tau).to(torch.float64)
    out = {'sig': h(xs), 'bkg': h(xb)}
    for name, vals in (('r', (-0.2, 0.2)), ('lam', (2.5, 3.5))): out[name] = tuple(h(shift_bkg(xb, **{name: v})) for v in vals)
    return out

def local_width(model, bm, n=1_000_000, seed=1234, eps=(0.05, 0.1)):
    """Expected sigma_s from the Fisher information of the hard-binned statistic with *local* nuisance derivatives
    (central differences r +-0.05, lambda 3 +-0.1 of the same events), not the +-step template interpolation of the table"""
    from heptorch.inferno.toy import toy_events, shift_bkg, BENCHMARKS, TOY_NOMINAL
    from heptorch.inferno.eval import bin_outputs
    rng = np.random.default_rng(seed)
    xs, xb = torch.from_numpy(toy_events(n, 'sig', seed=rng)), torch.from_numpy(toy_events(n, 'bkg', seed=rng))
    k = model[-1].out_features
    h = lambda x: torch.bincount(bin_outputs(model, x), minlength=k).to(torch.float64) / len(x)
    s, b = TOY_NOMINAL['s'], TOY_NOMINAL['b']
    S, B = h(xs), h(xb)
    dr = (h(shift_bkg(xb, r=eps[0])) - h(shift_bkg(xb, r=-eps[0]))) / (2 * eps[0])
    dl = (h(shift_bkg(xb, lam=3 + eps[1])) - h(shift_bkg(xb, lam=3 - eps[1]))) / (2 * eps[1])
    nuis = BENCHMARKS[bm].nuisances
    grads, prior = [S], [0.]
    for name, g in (('r', b * dr), ('lam', b * dl), ('b', B)):
        if name in nuis: grads.append(g); prior.append(0. if nuis[name] is None else 1. / nuis[name] ** 2)
    G, nu = torch.stack(grads), s * S + b * B
    keep = nu > 0
    info = (G[:, keep] / nu[keep]) @ G[:, keep].T + torch.diag(torch.tensor(prior, dtype=torch.float64))
    return float(torch.linalg.inv(info)[0, 0].sqrt())

def run(task):
    name, seed, bm, n_test = task
    torch.set_num_threads(1)
    from heptorch.inferno.eval import train_toy, toy_templates, bm_width
    kw = {**PAPER_RECIPE, **CONFIGS[name]}
    t = time.time()
    L = train_toy('inferno', bm, seed=seed, **kw)
    train_s = time.time() - t
    hard = bm_width(toy_templates(L.model, 'argmax', n=n_test), bm)
    tau_final = kw['tau_end'] or kw['tau']
    soft = bm_width(soft_templates(L.model, tau_final, n=n_test), bm)
    local = local_width(L.model, bm, n=n_test)
    last = L.inferno.history[-1]['train_sigma']
    print(f'{name:24s} seed {seed}: hard {hard:.2f} soft {soft:.2f} local {local:.2f} last-epoch train sigma {last:.2f} ({train_s:.0f}s)', flush=True)
    return dict(config=name, seed=seed, bm=bm, hard=hard, soft=soft, local=local, train_sigma_last=last, train_s=train_s, recipe=kw)

def summarise(runs, bm):
    "Medians per configuration, in the order of CONFIGS"
    out = {}
    for n in [c for c in CONFIGS if any(r['config'] == c for r in runs)]:
        rs = [r for r in runs if r['config'] == n and r['bm'] == bm]
        if rs: out[n] = {k: float(np.median([r[k] for r in rs if k in r])) if any(k in r for r in rs) else None for k in ('hard', 'soft', 'local', 'train_sigma_last', 'train_s')} | {'n_seeds': len(rs), 'hard_all': [r['hard'] for r in rs]}
    return out

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--jobs', type=int, default=2)
    p.add_argument('--bm', default='BM4')
    p.add_argument('--n_test', type=int, default=1_000_000)
    p.add_argument('--only', default='', help='comma-separated configuration names (default: all)')
    p.add_argument('--merge', default='', help='instead of training: merge the runs of this results file into --out and print the table')
    p.add_argument('--out', default='experiments/results/inferno_ablation.json')
    a = p.parse_args()
    out = Path(a.out)
    old = json.loads(out.read_text()) if out.exists() else {'runs': []}
    t0 = time.time()
    if a.merge:
        rows = json.loads(Path(a.merge).read_text())['runs']
        names = sorted({r['config'] for r in rows})
    else:
        names = [s.strip() for s in a.only.split(',') if s.strip()] or list(CONFIGS)
        bad = [n for n in names if n not in CONFIGS]
        if bad: raise SystemExit(f'unknown configuration(s) {bad}; known: {list(CONFIGS)}')
        tasks = [(n, s, a.bm, a.n_test) for n in names for s in range(a.seeds)]
        with Pool(a.jobs) as pool: rows = pool.map(run, tasks, chunksize=1)
    runs = [r for r in old['runs'] if not (r['config'] in names and r['bm'] == a.bm)] + rows
    summary = summarise(runs, a.bm)
    res = {'bm': a.bm, 'paper_recipe': PAPER_RECIPE, 'configs': CONFIGS, 'n_test_per_class': a.n_test, 'summary': summary, 'runs': runs,
           'analytical_BM4': 16.871, 'paper_inferno_BM4': 18.68, 'omp_num_threads': os.environ.get('OMP_NUM_THREADS'), 'torch': torch.__version__}
    out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1))
    print(f"\n{'configuration':34s} {'hard (median)':>14s} {'soft':>8s} {'local':>8s} {'train':>8s}   seeds   per seed")
    fmt = lambda v: f'{v:8.2f}' if v is not None else f"{'-':>8s}"
    for n, s in summary.items(): print(f"{n:34s} {s['hard']:14.2f} {fmt(s['soft'])} {fmt(s['local'])} {fmt(s['train_sigma_last'])}   {s['n_seeds']:5d}   {[round(v, 2) for v in s['hard_all']]}")
    print(f'wall {time.time() - t0:.0f}s')

if __name__ == '__main__': main()
