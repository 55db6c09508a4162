#!/usr/bin/env python
"""Sanity check before the Learner exists: train heptorch's TabNet and pytorch-tabnet's network with the SAME plain
Adam loop on the same simulated HIGGS-like rows, and compare test accuracy and AUC. Not the issue-7 benchmark
(that one trains through the Learner, TabNet-S at batch 16384); this uses a smaller batch so that a few epochs
on a laptop CPU give many optimiser steps.

    PYTHONPATH=$PWD .bench/tabnet/bin/python experiments/tabnet_plain_loop_check.py [--n 60000] [--epochs 5]
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
from heptorch.higgs import simulate_higgs, higgs_split, HIGGS_FEATURES
from heptorch.tabnet.model import TabNet, explain
from heptorch.metrics import weighted_auc

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=60_000); ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--batch', type=int, default=1024); ap.add_argument('--vbs', type=int, default=128)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default='experiments/results/tabnet_plain_loop_check.json')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    df = simulate_higgs(a.n, seed=0)
    tr, te = higgs_split(df, n_test=0.25)
    mu, sd = tr[HIGGS_FEATURES].mean(), tr[HIGGS_FEATURES].std()
    prep = lambda d: torch.from_numpy(((d[HIGGS_FEATURES] - mu) / sd).to_numpy(np.float32).copy())
    xtr, xte = prep(tr), prep(te)
    ytr, yte = torch.from_numpy(tr.label.to_numpy(np.int64)), te.label.to_numpy()
    cfg = dict(n_d=24, n_a=26, n_steps=5, gamma=1.5, n_independent=2, n_shared=2, virtual_batch_size=a.vbs, momentum=0.02)
    torch.manual_seed(0)
    ours = TabNet(28, 2, **cfg, names=HIGGS_FEATURES)
    models = {'heptorch': ours}
    try:
        from pytorch_tabnet.tab_network import TabNet as PTTabNet
        from pytorch_tabnet.utils import create_group_matrix
        torch.manual_seed(0)
        models['pytorch_tabnet'] = PTTabNet(28, 2, mask_type='sparsemax', **cfg, group_attention_matrix=create_group_matrix([], 28))
    except ImportError as e: print(f"pytorch-tabnet not importable ({e}); training heptorch only")
    res = {}
    for name, m in models.items():
        opt = torch.optim.Adam(m.parameters(), lr=0.02)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, a.epochs // 2), gamma=0.5)
        g = torch.Generator().manual_seed(1)
        t0 = time.perf_counter()
        for ep in range(a.epochs):
            m.train()
            for idx in torch.randperm(len(xtr), generator=g).split(a.batch):
                if len(idx) < 2: continue
                out = m(xtr[idx])
                if isinstance(out, tuple): out, mloss = out; sp = -mloss  # pytorch-tabnet returns minus the entropy
                else: sp = m.sparsity_loss
                loss = F.cross_entropy(out, ytr[idx]) + 1e-4 * sp
                opt.zero_grad(); loss.backward(); opt.step()
            sched.step()
        secs = time.perf_counter() - t0
        m.eval()
        with torch.no_grad():
            out = m(xte); out = out[0] if isinstance(out, tuple) else out
        p = torch.softmax(out, 1)[:, 1].numpy()
        res[name] = dict(accuracy=float(((p > 0.5) == yte).mean()), auc=weighted_auc(yte, p), train_s=secs,
                         rows_per_s=a.epochs * len(xtr) / secs)
        print(f"{name}: test accuracy {res[name]['accuracy']:.4f}, AUC {res[name]['auc']:.4f}, {secs:.0f} s ({res[name]['rows_per_s']:,.0f} rows/s)")
    ex = explain(ours, xte[:5000])
    top = sorted(zip(HIGGS_FEATURES, ex.importance.round(4).tolist()), key=lambda t: -t[1])[:8]
    print('heptorch top importances:', top)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(dict(args=vars(a), config=cfg, results=res, top_importance=top), indent=1))

if __name__ == '__main__': main()
