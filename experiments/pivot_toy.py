"""Reproduce the toy example of Louppe, Kagan & Cranmer, "Learning to pivot with adversarial networks"
(NeurIPS 2017, arXiv:1611.01046) with heptorch's Learner and PivotCallback.

Setup as in the paper: 125,000 events, 50,000 held out; classifier f with two hidden layers of 20 units;
adversary r a mixture density network of 5 Gaussians (two hidden layers of 20); lambda = 50; f pretrained
for 50 epochs and r for 20 before the adversarial stage. Evaluation on independent samples generated at
Z = -1, 0, +1.

    OMP_NUM_THREADS=1 PYTHONPATH=. python experiments/pivot_toy.py [--adv-epochs 30] [--lams 0 1 10 50]

Each classifier batch (1024 events) is followed by 10 adversary steps on fresh random batches of 1024 (the paper's
code trains the adversary for a whole epoch between classifier steps; an adversary trained only on the classifier's
own batch was fooled in trials here: its loss reached H(Z) while f still depended on Z).

Writes experiments/results/pivot_toy.json and pivot_toy_*.png.
"""
import argparse, json, math, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
import matplotlib
matplotlib.use('Agg')
from heptorch.core import set_seed, to_np
from heptorch.data import DataLoaders
from heptorch.learner import Learner
from heptorch.losses import WeightedBCEWithLogits
from heptorch.metrics import weighted_auc
from heptorch.pivot.toy import pivot_toy
from heptorch.pivot.adversary import MixtureDensityNetwork
from heptorch.pivot.callback import PivotCallback
from heptorch.pivot.measures import (ks_distance, binned_mutual_info, auc_per_z, ams_vs_threshold,
                                     plot_outputs_by_z, plot_ams_vs_threshold, plot_losses)

OUT = Path(__file__).parent / 'results'
H_Z = 0.5 * math.log(2 * math.pi * math.e)


def classifier():
    return nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 20), nn.ReLU(), nn.Linear(20, 1))


def train(lam, a, seed):
    df = pivot_toy(125_000, seed=seed)
    trn, tst = df.iloc[:75_000], df.iloc[75_000:]
    dls = DataLoaders.from_df(trn, x_names=['x0', 'x1', 'z'], y_name='target', w_name='weight',
                              valid_df=tst, bs=a.bs, seed=seed)
    set_seed(seed)
    model = classifier()
    adv = MixtureDensityNetwork(n_components=5, hidden=(20, 20))
    cb = PivotCallback(adv, lam=lam, n_adv_steps=a.adv_steps, adv_lr=a.adv_lr, pretrain_clf=a.pre_f, pretrain_adv=a.pre_r,
                       adv_bs=a.adv_bs or None)
    learn = Learner(model, dls, WeightedBCEWithLogits(), lr=a.lr, cbs=[cb])
    t0 = time.perf_counter()
    learn.fit(a.pre_f + a.pre_r + a.adv_epochs)
    return learn, cb, time.perf_counter() - t0


def evaluate(model, seed=1000, n=50_000):
    "Scores on fixed-Z test samples: {z: (y, p, w)}"
    out = {}
    for i, z in enumerate((-1., 0., 1.)):
        d = pivot_toy(n, z=z, seed=seed + i)
        with torch.no_grad(): p = torch.sigmoid(model(torch.tensor(d[['x0', 'x1']].values))).squeeze(1)
        out[z] = (d.target.values, to_np(p), d.weight.values)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lams', type=float, nargs='+', default=[0., 1., 10., 50.])
    ap.add_argument('--pre-f', type=int, default=50)
    ap.add_argument('--pre-r', type=int, default=20)
    ap.add_argument('--adv-epochs', type=int, default=30)
    ap.add_argument('--adv-steps', type=int, default=10)
    ap.add_argument('--bs', type=int, default=1024)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--adv-lr', type=float, default=5e-3)
    ap.add_argument('--adv-bs', type=int, default=1024, help='fresh adversary batch size (0: train the adversary on the classifier batch)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--tag', default='', help='suffix for the output files (for trial runs)')
    a = ap.parse_args()
    if 0. not in a.lams or 50. not in a.lams: raise SystemExit("--lams must include 0 and 50")
    OUT.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    res, scores, hist = {}, {}, {}
    for lam in a.lams:
        learn, cb, secs = train(lam, a, a.seed)
        ev = evaluate(learn.model)
        sig = {z: p[y == 1] for z, (y, p, w) in ev.items()}
        # f|Z over all events at each Z (the paper's Fig. 2 shows f(X) | Z for the mixture)
        allp = {z: p for z, (y, p, w) in ev.items()}
        zs_cont = pivot_toy(50_000, seed=2000)
        with torch.no_grad(): fc = to_np(torch.sigmoid(learn.model(torch.tensor(zs_cont[['x0', 'x1']].values))).squeeze(1))
        res[lam] = dict(ks_pm1_all=ks_distance(allp[-1.], allp[1.]), ks_pm1_signal=ks_distance(sig[-1.], sig[1.]),
                        mutual_info=binned_mutual_info(fc, zs_cont.z.values), auc=auc_per_z(ev),
                        adv_loss_final=cb.history[-1]['adv_loss'], valid_adv_loss_final=cb.history[-1].get('valid_adv_loss'),
                        clf_loss_final=cb.history[-1]['clf_loss'], train_s=secs)
        scores[lam], hist[lam] = allp, cb.values
        print(f"lambda={lam:g}: KS(f|Z=+1, f|Z=-1)={res[lam]['ks_pm1_all']:.4f}  MI={res[lam]['mutual_info']:.4f}  "
              f"AUC(Z=-1,0,+1)={[round(v, 4) for v in res[lam]['auc'].values()]}  L_r={res[lam]['adv_loss_final']:.4f}  ({secs:.0f}s)", flush=True)
        res[lam]['ams'] = None
        c, ams = ams_vs_threshold(ev[0.], [ev[-1.], ev[1.]])
        # the toy's background does not depend on Z, so sigma_b = 0 here; the signal efficiency's spread shows what pivoting buys
        eff = np.stack([[(p[y == 1] > t).mean() for t in c] for y, p, w in ev.values()])
        res[lam]['ams'] = dict(threshold=c.tolist(), ams=ams.tolist(), sig_eff_spread=((eff.max(0) - eff.min(0)) / 2).tolist())

    out = {'ks_lambda0': res[0.]['ks_pm1_all'], 'ks_lambda50': res[50.]['ks_pm1_all'],
           'adv_loss_final': res[50.]['adv_loss_final'], 'entropy_Z': H_Z,
           'auc_z0_lambda0': res[0.]['auc'][0.], 'auc_z0_lambda50': res[50.]['auc'][0.],
           'wall_s': time.perf_counter() - t_start,
           'settings': vars(a), 'per_lambda': {str(k): {kk: vv for kk, vv in v.items() if kk != 'ams'} for k, v in res.items()}}
    out['per_lambda'] = json.loads(json.dumps(out['per_lambda'], default=float))
    (OUT / f'pivot_toy{a.tag}.json').write_text(json.dumps(out, indent=2, default=float))
    (OUT / f'pivot_toy{a.tag}_ams.json').write_text(json.dumps({str(k): v['ams'] for k, v in res.items()}, default=float))

    fig = plot_outputs_by_z({f'λ = {0:g}': scores[0.], f'λ = {50:g}': scores[50.]})
    fig.savefig(OUT / f'pivot_toy{a.tag}_outputs.png', dpi=110)
    fig = plot_losses({'classifier $L_f$': hist[50.]['clf_loss'], 'adversary $L_r$': hist[50.]['adv_loss'],
                       '$H(Z)$': [H_Z] * len(hist[50.]['adv_loss'])})
    fig.axes[0].set_title('λ = 50: pretraining f (50), r (20), then adversarial'); fig.savefig(OUT / f'pivot_toy{a.tag}_losses.png', dpi=110)
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(11, 4))
    for lam in a.lams:
        d = res[lam]['ams']
        axs[0].plot(d['threshold'], d['ams'], lw=2, label=f'λ = {lam:g}')
        axs[1].plot(d['threshold'], d['sig_eff_spread'], lw=2, label=f'λ = {lam:g}')
    axs[0].set_xlabel('threshold on f(X)'); axs[0].set_ylabel('AMS (s, b from Z = 0 sample)'); axs[0].legend()
    axs[1].set_xlabel('threshold on f(X)'); axs[1].set_ylabel('half-spread of signal efficiency over Z = ±1, 0'); axs[1].legend()
    fig.tight_layout(); fig.savefig(OUT / f'pivot_toy{a.tag}_ams.png', dpi=110)
    print(json.dumps({k: v for k, v in out.items() if k not in ('per_lambda', 'settings')}, indent=1))
    print(f"ks_ratio={out['ks_lambda0'] / out['ks_lambda50']:.2f} adv_loss_minus_HZ={out['adv_loss_final'] - H_Z:+.4f} wall_s={out['wall_s']:.0f}")


if __name__ == '__main__': main()
