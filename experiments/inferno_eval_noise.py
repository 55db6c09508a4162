"""Is the width of a many-bin INFERNO statistic stable against the test sample that builds its templates?

Sparse bins make templates noisy, and template noise can make a width look better than it is. This trains one network
with a given recipe and evaluates it on BM0-BM4 with templates from independent samples of several seeds and sizes.

Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/inferno_eval_noise.py [--recipe improved] [--bm BM4] [--seed 0]
Writes experiments/results/inferno_eval_noise.json.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from heptorch.inferno.toy import BENCHMARKS
from heptorch.inferno.eval import train_toy, toy_templates, bm_width, bin_outputs, IMPROVED_RECIPE

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--recipe', default='improved', choices=['paper', 'improved'])
    p.add_argument('--bm', default='BM4')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--samples', default='1000000:1234,1000000:4321,1000000:777,3000000:99', help='comma-separated n_per_class:seed of the test samples')
    p.add_argument('--out', default='experiments/results/inferno_eval_noise.json')
    a = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    recipe = dict(IMPROVED_RECIPE) if a.recipe == 'improved' else dict(n=50_000, epochs=15, bs=2000, lr=1e-3)
    L = train_toy('inferno', a.bm, seed=a.seed, **recipe)
    rows = []
    for spec in a.samples.split(','):
        n, s = (int(v) for v in spec.split(':'))
        T = toy_templates(L.model, 'argmax', n=n, seed=s)
        bkg_min = float((T['bkg'][T['bkg'] > 0] * n).min())
        rows.append({'n_per_class': n, 'seed': s, 'widths': {bm: bm_width(T, bm) for bm in BENCHMARKS}, 'fewest_bkg_events_in_a_filled_bin': bkg_min,
                     'filled_bins': int(((T['bkg'] + T['sig']) > 0).sum())})
        print(n, s, {bm: round(v, 3) for bm, v in rows[-1]['widths'].items()}, f"filled bins {rows[-1]['filled_bins']}, fewest bkg events in one {bkg_min:.0f}", flush=True)
    spread = {bm: float(np.ptp([r['widths'][bm] for r in rows])) for bm in BENCHMARKS}
    print('max - min over test samples', {bm: round(v, 3) for bm, v in spread.items()})
    Path(a.out).write_text(json.dumps({'recipe': recipe, 'trained_for': a.bm, 'seed': a.seed, 'samples': rows, 'spread': spread, 'wall_s': time.time() - t0}, indent=1))

if __name__ == '__main__': main()
