"""heptorch-SPANet vs the chi2 method on SPANet's all-hadronic tt example (first 5,000 events).

Pretrain on the tt stand-in (`heptorch.spanet.standin.ttbar_standin`), fine-tune on the first 4,000 real events
(with random phi rotations and eta flips of whole events), evaluate on the last 1,000 real events, which are never
used for training or model selection. The chi2 method (mW 80.4 +- 10, mt 172.5 +- 15 GeV, b-tagged jets in b slots)
runs on the same 1,000 events.
Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/spanet_ttbar.py --data /path/to/spanet_ttbar_first5k.h5
Defaults: a 32-wide network (3 encoder, 2 branch layers, 4 heads; 69,698 parameters), 64,000 stand-in events x 6 epochs
(AdamW, one-cycle, lr 2e-3, batch 128, weight decay 2e-4), then 4,000 real events x 20 epochs (lr 1e-3), seed 0.
Results: experiments/results/spanet_ttbar.json (+ spanet_ttbar_masses_{spanet,chi2}.png).
"""
import argparse, json, math, os, time
from pathlib import Path
import numpy as np
import torch
from heptorch.core import set_seed
from heptorch.data import DataLoaders
from heptorch.learner import Learner, Callback
from heptorch.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner)
from heptorch.spanet.config import EventInfo, TTBAR_YAML
from heptorch.spanet.data import read_spanet, InputStats, to_arrays
from heptorch.spanet.standin import ttbar_standin, event_fractions
from heptorch.spanet.chi2 import chi2_assign
from heptorch.spanet.metrics import purity_table, plot_mass_peaks
from heptorch.spanet.model import SPANet
from heptorch.spanet.loss import SPANetLoss
from heptorch.spanet.decode import predict_assignments

class JetAugment(Callback):
    "Rotate every training event by a random phi and flip the sign of eta with probability 1/2 (on normalised features)"
    def __init__(self, stats, info, seed=0):
        f = info.features
        self.ip, self.ie = f.index('phi'), f.index('eta')
        self.mp, self.sp = float(stats.mean[self.ip]), float(stats.std[self.ip])
        self.me, self.se = float(stats.mean[self.ie]), float(stats.std[self.ie])
        self.gen = torch.Generator().manual_seed(seed)
    def before_batch(self):
        if not self.learn.training: return
        x, mask = self.learn.xb
        n = len(x)
        x = x.clone()
        d = torch.rand(n, 1, generator=self.gen) * 2 * math.pi
        phi = x[..., self.ip] * self.sp + self.mp + d.to(x.device)
        phi = torch.remainder(phi + math.pi, 2 * math.pi) - math.pi
        x[..., self.ip] = (phi - self.mp) / self.sp
        s = torch.where(torch.rand(n, 1, generator=self.gen) < 0.5, -1., 1.).to(x.device)
        x[..., self.ie] = (s * (x[..., self.ie] * self.se + self.me) - self.me) / self.se
        self.learn.xb = (x * mask[..., None], mask)

class PrintEpoch(Callback):
    "Print each epoch's validation loss and time (progress of a long run)"
    order = 60  # after the Recorder has written the epoch
    def __init__(self, tag, t0): self.tag, self.t0 = tag, t0
    def after_epoch(self):
        h = self.learn.recorder.history[-1] if self.learn.recorder.history else {}
        print(f"[{time.time() - self.t0:6.0f}s] {self.tag} epoch {self.learn.epoch}: " + ", ".join(f"{k} {v:.4f}" for k, v in h.items() if isinstance(v, float)), flush=True)

def cats(tab, col):
    "{'6', '7', '>=8', 'all'} values of a purity-table column for events with two reconstructable tops"
    return {j: float(tab.loc[(j, '2'), col]) for j in ('6', '7', '>=8', 'all')}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', required=True, help='SPANet v2 HDF5 file (spanet_ttbar_first5k.h5)')
    ap.add_argument('--n_train', type=int, default=4000); ap.add_argument('--n_valid', type=int, default=1000)
    ap.add_argument('--n_standin', type=int, default=64000, help='stand-in events for pretraining (0: none)')
    ap.add_argument('--pre_epochs', type=int, default=6); ap.add_argument('--ft_epochs', type=int, default=20)
    ap.add_argument('--hidden', type=int, default=32); ap.add_argument('--n_encoder', type=int, default=3)
    ap.add_argument('--n_branch', type=int, default=2); ap.add_argument('--n_heads', type=int, default=4)
    ap.add_argument('--lr', type=float, default=2e-3); ap.add_argument('--ft_lr', type=float, default=1e-3)
    ap.add_argument('--wd', type=float, default=2e-4); ap.add_argument('--bs', type=int, default=128)
    ap.add_argument('--no_augment', action='store_true'); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='experiments/results/spanet_ttbar.json')
    a = ap.parse_args()
    t0 = time.time(); torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))
    set_seed(a.seed)
    info = EventInfo.from_yaml(TTBAR_YAML)
    real_trn = read_spanet(a.data, info, 0, a.n_train)
    real_val = read_spanet(a.data, info, a.n_train, a.n_train + a.n_valid)
    if len(real_trn) != a.n_train or len(real_val) != a.n_valid: raise SystemExit(f"{a.data}: not enough events")
    stats = InputStats.fit(real_trn)  # normalisation measured on the real training events only
    xv, yv, _ = to_arrays(real_val, stats)
    timing, results = {}, {}
    model = SPANet(info, len(info.features), hidden=a.hidden, n_encoder=a.n_encoder, n_branch=a.n_branch, n_heads=a.n_heads)
    loss = SPANetLoss(info)
    opt = lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=a.wd)
    def evaluate(name):
        asg = predict_assignments(model, xv, bs=500)
        tab = purity_table(real_val, asg)
        results[name] = tab
        print(f"[{time.time() - t0:6.0f}s] {name}: event purity (2 tops) {cats(tab, 'event_purity')}", flush=True)
        return asg
    if a.n_standin:
        t = time.time()
        sd = ttbar_standin(a.n_standin, seed=a.seed + 1)
        timing['standin_s'] = time.time() - t
        xs, ys, _ = to_arrays(sd, stats)
        dls = DataLoaders.from_arrays(xs, ys, bs=a.bs, seed=a.seed, valid=(xv, yv))
        learn = Learner(model, dls, loss, opt_func=opt, lr=a.lr, cbs=[PrintEpoch('pretrain', t0)])
        t = time.time(); learn.fit_one_cycle(a.pre_epochs, a.lr); timing['pretrain_s'] = time.time() - t
        evaluate('spanet_pretrained_only')
    if a.ft_epochs:
        xt, yt, _ = to_arrays(real_trn, stats)
        dls = DataLoaders.from_arrays(xt, yt, bs=a.bs, seed=a.seed + 2, valid=(xv, yv))
        learn = Learner(model, dls, loss, opt_func=opt, lr=a.ft_lr, cbs=[PrintEpoch('finetune', t0)] + ([] if a.no_augment else [JetAugment(stats, info, a.seed)]))
        t = time.time(); learn.fit_one_cycle(a.ft_epochs, a.ft_lr); timing['finetune_s'] = time.time() - t
    asg = evaluate('spanet')
    t = time.time(); casg = chi2_assign(real_val); timing['chi2_s'] = time.time() - t
    results['chi2'] = purity_table(real_val, casg)
    print(f"chi2: event purity (2 tops) {cats(results['chi2'], 'event_purity')}", flush=True)
    wall = time.time() - t0
    out = {'event_purity': {m: cats(results[m], 'event_purity') for m in ('spanet', 'chi2')},
           'top_purity': {m: cats(results[m], 'particle_purity') for m in ('spanet', 'chi2')},
           'wall_s': wall,
           'extra': {k: {'event_purity': cats(v, 'event_purity'), 'top_purity': cats(v, 'particle_purity')} for k, v in results.items()},
           'tables': {k: v.reset_index().to_dict(orient='records') for k, v in results.items()},
           'n_valid_two_tops': {j: int(results['chi2'].loc[(j, '2'), 'n_events']) for j in ('6', '7', '>=8', 'all')},
           'timing_s': timing, 'config': vars(a) | {'data': Path(a.data).name, 'out': Path(a.out).name, 'torch_threads': torch.get_num_threads()},
           'standin_fractions': event_fractions(sd) if a.n_standin else None,
           'n_params': sum(p.numel() for p in model.parameters())}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1))
    import matplotlib; matplotlib.use('Agg')
    for name, g in (('spanet', asg), ('chi2', casg)):
        fig = plot_mass_peaks(real_val, g); fig.suptitle(f"{name}, last {a.n_valid} real events"); fig.tight_layout()
        fig.savefig(Path(a.out).with_name(Path(a.out).stem + f'_masses_{name}.png'), dpi=90)
    beats = all(out['event_purity']['spanet'][j] > out['event_purity']['chi2'][j] for j in ('6', '7', '>=8'))
    print(f"wall {wall:.0f}s; spanet beats chi2 in every jet bin: {beats}")

if __name__ == '__main__': main()
