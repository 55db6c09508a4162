#!/usr/bin/env python
"""Race 8 max-entropy TabNet candidates over 5 folds on the simulated HIGGS-like stand-in, and compare with the full grid.

The grid is the one of the "TabNet on HIGGS" post: decision width n_d 20-40, attention width n_a 20-40, steps 4-6,
learning rate 10^-2.5-10^-1 (log scale), 8 candidates from `grid_max_entropy`, 5 stratified folds. Each fit trains
TabNet with the heptorch Learner (1cycle schedule, weighted BCE + lambda_sparse * sparsity loss) and returns the
validation AUC. The race runs first, then the full grid; with common random numbers every (candidate, fold) fit
has the same seed in both, so the race's fits are a subset of the grid's and the script checks they are identical.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/tune_race.py [--n 40000] [--epochs 3] [--n_jobs 1] [--num_ties 1]

`--num_ties k` breaks a two-way tie after k tests that leave the same two candidates (finetune's rule; heptorch counts
the test right after the burn-in as the first, so `--num_ties 1` decides between two survivors at once by their means).

Prints the best parameters of both searches and, last, `race_fit_fraction=<fits by race / fits by full grid>`.
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import torch
from heptorch.higgs import simulate_higgs, HIGGS_FEATURES
from heptorch.tabnet.model import TabNet
from heptorch.learner import Learner
from heptorch.data import DataLoaders
from heptorch.losses import WeightedBCEWithLogits
from heptorch.callback.schedule import OneCycleCallback
from heptorch.metrics import weighted_auc
from heptorch.core import set_seed
from heptorch.tune.space import Int, Real, grid_max_entropy
from heptorch.tune.resample import vfold, resample_summary
from heptorch.tune.race import tune_grid, tune_race


class TabNetFitEval:
    "fit_eval for TabNet: standardise on the training fold, train with the Learner, return the validation AUC"
    def __init__(self, x, y, epochs=3, bs=1024, vbs=128, gamma=1.5, lambda_sparse=1e-4):
        self.x, self.y = x, y
        self.epochs, self.bs, self.vbs, self.gamma, self.lambda_sparse = epochs, bs, vbs, gamma, lambda_sparse

    def __call__(self, params, train_idx, valid_idx, seed=0):
        set_seed(seed % 2**31)
        mu, sd = self.x[train_idx].mean(0), self.x[train_idx].std(0) + 1e-6
        xt, xv = (self.x[train_idx] - mu) / sd, (self.x[valid_idx] - mu) / sd
        model = TabNet(xt.shape[1], 1, n_d=params['n_d'], n_a=params['n_a'], n_steps=params['n_steps'], gamma=self.gamma,
                       virtual_batch_size=self.vbs, lambda_sparse=self.lambda_sparse)
        bce = WeightedBCEWithLogits()
        loss = lambda p, y, w: bce(p, y, w) + model.lambda_sparse * model.sparsity_loss
        dls = DataLoaders.from_arrays(xt, self.y[train_idx].astype(np.float32), valid=(xv, self.y[valid_idx].astype(np.float32)),
                                      bs=self.bs, drop_last=True, seed=seed % 2**31, device='cpu')
        learn = Learner(model, dls, loss, lr=params['lr'], device='cpu')
        learn.fit(self.epochs, cbs=[OneCycleCallback(params['lr'])])
        p = torch.sigmoid(learn.get_preds()[:, 0]).numpy()
        return weighted_auc(self.y[valid_idx], p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=40_000); ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--folds', type=int, default=5); ap.add_argument('--size', type=int, default=8)
    ap.add_argument('--n_jobs', type=int, default=1); ap.add_argument('--alpha', type=float, default=0.05)
    ap.add_argument('--seed', type=int, default=0); ap.add_argument('--skip_grid', action='store_true')
    ap.add_argument('--num_ties', type=int, default=10, help='tests with the same two survivors before the better mean is kept (0: never)')
    ap.add_argument('--randomize', action='store_true', help='race the folds in a random order')
    ap.add_argument('--out', default='experiments/results/tune_race.json')
    a = ap.parse_args()
    torch.set_num_threads(1)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    df = simulate_higgs(a.n, seed=a.seed)
    x, y = df[HIGGS_FEATURES].to_numpy(np.float32), df['label'].to_numpy(np.int64)
    space = dict(n_d=Int(20, 40), n_a=Int(20, 40), n_steps=Int(4, 6), lr=Real(10**-2.5, 10**-1, log=True))
    grid = grid_max_entropy(space, a.size, seed=a.seed)
    folds = vfold(len(y), a.folds, y=y, seed=a.seed)
    print(f"{a.n:,} simulated HIGGS-like events, {len(folds)} stratified folds, {a.epochs} epochs per fit, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, n_jobs={a.n_jobs}")
    print(resample_summary(folds, y).to_string(index=False))
    print("max-entropy grid:\n" + grid.to_string())
    fe = TabNetFitEval(x, y, epochs=a.epochs)
    t0 = time.perf_counter()
    race = tune_race(fe, grid, folds, metric='auc', alpha=a.alpha, n_jobs=a.n_jobs, seed=a.seed, space=space, verbose=True,
                     num_ties=a.num_ties or None, randomize=a.randomize)
    t_race = time.perf_counter() - t0
    print(f"\nrace: {race.n_fits} fits in {t_race:.0f} s")
    print(race.summary().to_string(index=False, float_format='%.4f'))
    out = dict(args=vars(a), grid=grid.to_dict('records'), race_results=race.results.to_dict('records'),
               race_summary=race.summary().astype(object).where(race.summary().notna(), None).to_dict('records'),
               race_best=race.best_params, race_fits=race.n_fits, full_fits=race.n_fits_full, race_s=t_race,
               race_tie_broken=race.tie_broken, race_order=race.order)
    if not a.skip_grid:
        t0 = time.perf_counter()
        full = tune_grid(fe, grid, folds, metric='auc', n_jobs=a.n_jobs, seed=a.seed, space=space)
        t_grid = time.perf_counter() - t0
        print(f"\nfull grid: {full.n_fits} fits in {t_grid:.0f} s")
        print(full.summary().to_string(index=False, float_format='%.4f'))
        key = ['candidate', 'resample']
        m = race.results.merge(full.results, on=key, suffixes=('_race', '_grid'))
        same = bool(np.array_equal(m.auc_race.to_numpy(), m.auc_grid.to_numpy()))
        print(f"race fits identical to the full grid's on the same (candidate, fold): {same} ({len(m)} fits compared)")
        print(f"full-grid best: {full.best_params} (mean AUC {full.summary()['mean'].iloc[0]:.4f}); "
              f"race best is the full-grid best: {race.best_params == full.best_params}; "
              f"race best's full-grid rank: {int((full.summary().candidate == race.summary().candidate.iloc[0]).to_numpy().argmax()) + 1}")
        fig = full.plot(); fig.savefig(Path(a.out).with_name('tune_race_grid.png'), dpi=110)
        out.update(full_results=full.results.to_dict('records'), full_best=full.best_params, grid_s=t_grid,
                   race_fits_identical=same, race_best_is_full_best=race.best_params == full.best_params)
    fig = race.plot(); fig.savefig(Path(a.out).with_name('tune_race.png'), dpi=110)
    print(f"\nbest parameters (race): {race.best_params}, mean validation AUC {race.summary()['mean'].iloc[0]:.4f} "
          f"over {race.summary()['n'].iloc[0]} folds")
    out['race_fit_fraction'] = race.fit_fraction
    Path(a.out).write_text(json.dumps(out, indent=1, default=lambda o: o.item() if hasattr(o, 'item') else str(o)))
    print(f"race_fit_fraction={race.fit_fraction:.3f}")

if __name__ == '__main__': main()
