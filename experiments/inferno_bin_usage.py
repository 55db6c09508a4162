"""How many of an INFERNO network's outputs are bins? And is the profile interval the Hessian's?

Trains exact INFERNO for BM4 (paper-like recipe, seed 0) with 10 outputs, 30 outputs, 30 outputs with tau annealed
1 -> 0.1, and 30 outputs with BinSplitCallback; counts on an independent sample the outputs that hold at least one
expected background event (of b = 1000) or 0.1 signal events (of s = 50); and compares, for each network, the
profile-likelihood half-width with the inverse-Hessian sigma on every benchmark (same templates, 10^6 events/class).

Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/inferno_bin_usage.py
Writes experiments/results/inferno_bin_usage.json.
"""
import json, time
from pathlib import Path
import numpy as np
import torch
from heptorch.inferno.toy import toy_events, BENCHMARKS, analytic_width
from heptorch.inferno.eval import train_toy, bin_outputs, toy_templates, bm_width, bm_model
from heptorch.stats.likelihood import poi_uncertainty

CONFIGS = {'10 outputs': dict(n_bins=10), '30 outputs': dict(n_bins=30), '30 outputs, tau 1 -> 0.1': dict(n_bins=30, tau=1., tau_end=0.1),
           '30 outputs + BinSplitCallback': dict(n_bins=30, split_bins=True)}

def main():
    torch.set_num_threads(1)
    t0 = time.time()
    xs, xb = torch.from_numpy(toy_events(100_000, 'sig', seed=5)), torch.from_numpy(toy_events(100_000, 'bkg', seed=6))
    res = {'recipe': dict(n=50_000, epochs=15, bs=2000, lr=1e-3, seed=0, trained_for='BM4'), 'configs': {}}
    for name, kw in CONFIGS.items():
        L = train_toy('inferno', 'BM4', n=50_000, epochs=15, seed=0, **kw)
        k = kw['n_bins']
        nb = torch.bincount(bin_outputs(L.model, xb), minlength=k).numpy() / len(xb) * 1000
        ns = torch.bincount(bin_outputs(L.model, xs), minlength=k).numpy() / len(xs) * 50
        T = toy_templates(L.model, 'argmax', n=1_000_000)
        row = {'outputs': k, 'used_bins': int(((nb > 1) | (ns > 0.1)).sum()), 'expected_bkg': nb.round(2).tolist(), 'expected_sig': ns.round(3).tolist(),
               'profile': {bm: bm_width(T, bm) for bm in BENCHMARKS}, 'hessian': {bm: poi_uncertainty(bm_model(T, bm)) for bm in BENCHMARKS},
               'splits': len(L.bin_split.splits) if kw.get('split_bins') else None}
        res['configs'][name] = row
        print(f"{name:32s} used bins {row['used_bins']:2d} of {k}; BM4 profile {row['profile']['BM4']:.3f} hessian {row['hessian']['BM4']:.3f}", flush=True)
    res['analytical_BM4'] = {'profile': analytic_width('BM4', 'profile'), 'fisher': analytic_width('BM4', 'fisher')}
    print('analytical BM4', res['analytical_BM4'])
    res['wall_s'] = time.time() - t0
    Path('experiments/results/inferno_bin_usage.json').write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
