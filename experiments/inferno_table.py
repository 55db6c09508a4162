"""Reproduce the table of de Castro & Dorigo (arXiv:1806.04743): cross-entropy vs INFERNO vs the analytical limit.

Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/inferno_table.py [--seeds 5] [--n 50000] [--epochs 15] ...
Writes experiments/results/inferno_table.json and inferno_table.png and prints the table.
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import torch
from heptorch.inferno.toy import analytic_width, BENCHMARKS
from heptorch.inferno.eval import train_toy, toy_templates, bm_width

PAPER = {'cross_entropy': [14.99, 18.94, 23.94, 21.54, 26.71], 'inferno': [15.51, 16.79, 16.95, 16.89, 18.68],
         'analytical': [14.71, 15.52, 15.65, 15.62, 16.89]}
BMS = list(BENCHMARKS)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--seeds', type=int, default=5)
    p.add_argument('--n', type=int, default=50_000, help='training events per class')
    p.add_argument('--epochs', type=int, default=15, help='INFERNO epochs')
    p.add_argument('--ce_epochs', type=int, default=15, help='cross-entropy epochs')
    p.add_argument('--lr', type=float, default=1e-3, help='Adam learning rate (both)')
    p.add_argument('--bs', type=int, default=2000)
    p.add_argument('--n_test', type=int, default=1_000_000, help='independent test events per class for the templates')
    p.add_argument('--approx', action='store_true', help='train approximate (template-interpolated) INFERNO instead of exact')
    p.add_argument('--out', default='experiments/results/inferno_table')
    a = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    res = {'settings': dict(vars(a), optimiser='Adam', omp_num_threads=os.environ.get('OMP_NUM_THREADS'), torch=torch.__version__,
                            exact=not a.approx, network='3-100-100-10 ReLU, tau=0.1 (INFERNO); 3-100-100-2 (cross-entropy)',
                            binning='INFERNO: argmax of 10 outputs; cross-entropy: softmax signal probability in 10 uniform bins',
                            metric='half-width of the DeltaNLL=0.5 profile-likelihood interval on s, Asimov of an independent test sample')}
    t = time.time()
    res['analytical'] = {bm: analytic_width(bm, 'profile', n_grid=(80, 80, 60)) for bm in BMS}
    print('analytical', {k: round(v, 3) for k, v in res['analytical'].items()}, f'{time.time() - t:.0f}s', flush=True)
    seeds = list(range(a.seeds))
    ce = {bm: [] for bm in BMS}
    inf = {tr: {ev: [] for ev in BMS} for tr in BMS}
    hist = {}
    for seed in seeds:
        t = time.time()
        L = train_toy('cross_entropy', n=a.n, epochs=a.ce_epochs, bs=a.bs, lr=a.lr, seed=seed)
        T = toy_templates(L.model, 'prob', n=a.n_test)
        for bm in BMS: ce[bm].append(bm_width(T, bm))
        print(f'seed {seed} cross-entropy', [round(ce[bm][-1], 2) for bm in BMS], f'{time.time() - t:.0f}s', flush=True)
        for tr in BMS:
            t = time.time()
            L = train_toy('inferno', tr, n=a.n, epochs=a.epochs, bs=a.bs, lr=a.lr, seed=seed, exact=not a.approx)
            hist[f'{tr}/{seed}'] = [r['train_loss'] ** 0.5 for r in L.recorder.history]
            T = toy_templates(L.model, 'argmax', n=a.n_test)
            for ev in BMS: inf[tr][ev].append(bm_width(T, ev))
            print(f'seed {seed} INFERNO {tr}', [round(inf[tr][ev][-1], 2) for ev in BMS], f'{time.time() - t:.0f}s', flush=True)
    med = lambda v: float(np.median(v))
    res['cross_entropy'] = {bm: med(ce[bm]) for bm in BMS}
    res['inferno'] = {bm: med(inf[bm][bm]) for bm in BMS}
    res['cross_matrix'] = {tr: {ev: med(inf[tr][ev]) for ev in BMS} for tr in BMS}
    res['all_widths'] = {'cross_entropy': ce, 'inferno': inf}
    res['train_sigma_history'] = hist
    res['paper'] = {k: dict(zip(BMS, v)) for k, v in PAPER.items()}
    res['seeds'], res['n_train'], res['wall_s'] = seeds, 2 * a.n, time.time() - t0
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix('.json').write_text(json.dumps(res, indent=1))
    rows = [('cross_entropy', 'cross-entropy'), ('inferno', 'INFERNO (matched)'), ('analytical', 'analytical')]
    print(f"\n{'':22s}" + ''.join(f'{bm:>16s}' for bm in BMS))
    for k, lab in rows:
        print(f'{lab:22s}' + ''.join(f"{res[k][bm]:8.2f} ({100 * (res[k][bm] / res['paper'][k][bm] - 1):+5.1f}%)" for bm in BMS))
    print(f"{'paper':22s}")
    for k, lab in rows: print(f'{lab:22s}' + ''.join(f"{res['paper'][k][bm]:16.2f}" for bm in BMS))
    print('cross matrix (rows: trained for, columns: evaluated on)')
    for tr in BMS: print(f'{tr:22s}' + ''.join(f"{res['cross_matrix'][tr][ev]:16.2f}" for ev in BMS))
    print(f"seeds={seeds} n_train={2 * a.n} wall_s={res['wall_s']:.0f}")
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.2))
    xs = np.arange(len(BMS))
    for i, (k, lab) in enumerate(rows):
        ax.plot(xs, [res[k][bm] for bm in BMS], 'o-', color=f'C{i}', label=f'{lab} (this run, median)')
        ax.plot(xs, [res['paper'][k][bm] for bm in BMS], 'x--', color=f'C{i}', alpha=0.6, label=f'{lab} (paper)')
    for i, bm in enumerate(BMS):
        ax.scatter([i] * len(ce[bm]), ce[bm], s=8, color='C0', alpha=0.4); ax.scatter([i] * len(inf[bm][bm]), inf[bm][bm], s=8, color='C1', alpha=0.4)
    ax.set_xticks(xs, BMS); ax.set_ylabel('half-width of the interval on s'); ax.legend(fontsize=7); ax.grid(alpha=0.3)
    ax.set_title(f'INFERNO toy: {len(seeds)} seeds, {2 * a.n} training events')
    fig.tight_layout(); fig.savefig(out.with_suffix('.png'), dpi=110)

if __name__ == '__main__': main()
