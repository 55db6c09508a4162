#!/usr/bin/env python
"""LUMIN's HiggsML recipe at full size with heptorch (the steps of nbs/tutorials/higgsml.ipynb): feature selection,
φ-rotation/reflection augmentation with test-time augmentation, a k-fold ensemble and the AMS-optimal cut, scored
on the challenge's public and private leaderboards.

    OMP_NUM_THREADS=1 python experiments/higgsml.py --data atlas-higgs-challenge-2014-v2.csv.gz

Writes experiments/results/higgsml.json (`ams_public`, `ams_private`, `auc`, `wall_s`, and the settings) when
the file is the full challenge file. On a smaller file (e.g. a sample of its first rows, which has no public or
private events) it runs as a smoke test and writes nothing unless `--out` is given. Anchors (REFERENCES.md):
winning private AMS 3.8058; LUMIN's ensemble 3.806 ± 0.005.
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
from heptorch.core import set_seed, default_device
from heptorch.higgsml import load_higgsml, higgsml_splits, leaderboard_ams, optimise_cut, undefined_columns, HIGGSML_FEATURES, HIGGSML_SETS
from heptorch.interpret.selection import select_features
from heptorch.learner import Learner
from heptorch.losses import WeightedBCEWithLogits
from heptorch.callback.schedule import OneCycleCallback
from heptorch.augment import HEPAugmentCallback
from heptorch.ensemble import train_kfold
from heptorch.metrics import weighted_auc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data', required=True, help='atlas-higgs-challenge-2014-v2.csv.gz')
    ap.add_argument('--n_rows', type=int, default=None)
    ap.add_argument('--folds', type=int, default=10)
    ap.add_argument('--epochs', type=int, default=30)
    ap.add_argument('--bs', type=int, default=256)
    ap.add_argument('--width', type=int, default=100)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--n_aug', type=int, default=8)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None, help='default: experiments/results/higgsml.json, only for the full file')
    a = ap.parse_args()
    t_start = time.time()
    set_seed(a.seed)
    df = load_higgsml(a.data, n_rows=a.n_rows)
    full = len(df) == sum(v[1] for v in HIGGSML_SETS.values())
    sp = higgsml_splits(df)
    train, public, private = sp['train'], sp['public'], sp['private']
    print(f"train {len(train):,}, public {len(public):,}, private {len(private):,} events (full file: {full})")

    angles = [f for f in HIGGSML_FEATURES if f.endswith(('_phi', '_eta'))]
    cand = [f for f in HIGGSML_FEATURES if f not in angles]
    sub = train.sample(min(len(train), 50_000), random_state=a.seed)
    sel = select_features(sub[cand].fillna(sub[cand].median()).to_numpy(), sub.label.to_numpy(), sub.weight.to_numpy(),
                          names=cand, n_estimators=40, seed=a.seed)
    print(f"selection kept {len(sel.kept)} of {len(cand)}; dropped {sorted(sel.dropped)}")
    cols = sel.kept + angles
    mu, sd = train[cols].mean(), train[cols].std()
    phi = [c for c in cols if c.endswith('_phi')]
    mu[phi], sd[phi] = 0., 1.
    mu[[c for c in cols if c.endswith('_eta')]] = 0.
    prep = lambda d: np.concatenate([((d[cols] - mu) / sd).fillna(0.).to_numpy(np.float32), d[undefined_columns()].to_numpy(np.float32)], 1)
    names = cols + undefined_columns()
    phi_cols, eta_cols = [names.index(c) for c in phi], [names.index(c) for c in cols if c.endswith('_eta')]
    perm = np.random.default_rng(a.seed).permutation(len(train))
    cut_idx, fit_idx = perm[:len(perm) // 5], perm[len(perm) // 5:]
    x, y = prep(train.iloc[fit_idx]), train.label.to_numpy(np.float32)[fit_idx]
    w = train.weight.to_numpy()[fit_idx]
    w = (np.where(y == 1, w / w[y == 1].sum(), w / w[y == 0].sum()) * len(y) / 2).astype(np.float32)

    def make_model(): return nn.Sequential(nn.Linear(x.shape[1], a.width), nn.SiLU(), nn.Linear(a.width, a.width), nn.SiLU(),
                                           nn.Linear(a.width, a.width), nn.SiLU(), nn.Linear(a.width, 1))
    t0 = time.time()
    ens = train_kfold(lambda dls: Learner(make_model(), dls, WeightedBCEWithLogits(), lr=a.lr), x, y, w, n_folds=a.folds,
                      n_epoch=a.epochs, bs=a.bs, seed=a.seed,
                      cbs=[HEPAugmentCallback(phi_cols=phi_cols, eta_cols=eta_cols), OneCycleCallback(lr_max=a.lr)],
                      metric=lambda p, yy, ww: weighted_auc(yy, p, ww))
    t_train = time.time() - t0
    print(f"{len(ens)} models in {t_train:.0f}s; fold AUCs {np.round(ens.metric_values, 4)}")
    score = lambda d: ens.tta(prep(d), phi_cols=phi_cols, eta_cols=eta_cols, n_aug=a.n_aug).numpy().ravel()
    held = train.iloc[cut_idx]
    thr, ams_held = optimise_cut(held.label.to_numpy(), score(held), held.weight.to_numpy() * len(train) / len(held), top_k=5)
    print(f"cut {thr:.4f}: held-out training AMS {ams_held:.3f}")
    res = dict(data=Path(a.data).name, n_events=len(df), full_file=full, folds=a.folds, epochs=a.epochs, bs=a.bs, width=a.width,
               lr=a.lr, n_aug=a.n_aug, seed=a.seed, features=names, threshold=thr, ams_heldout=ams_held, train_s=t_train,
               threads=torch.get_num_threads(), device=str(default_device()))
    if len(public) and len(private):
        scores = {'public': score(public), 'private': score(private)}
        lb = leaderboard_ams(sp, scores, thr)
        res.update(ams_public=lb['public'], ams_private=lb['private'], auc=weighted_auc(private.label, scores['private'], private.weight))
        print(f"public AMS {lb['public']:.4f}, private AMS {lb['private']:.4f} (winner 3.8058; LUMIN 3.806 ± 0.005), private AUC {res['auc']:.4f}")
    else: print("no public/private events in this file: a smoke test, no leaderboard numbers")
    res['wall_s'] = time.time() - t_start
    out = a.out or (Path(__file__).parent / 'results' / 'higgsml.json' if full else None)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(res, indent=1) + '\n')
        print(f"wrote {out}")
    print(f"wall {res['wall_s']:.0f}s")


if __name__ == '__main__': main()
