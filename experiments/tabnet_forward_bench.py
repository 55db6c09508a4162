#!/usr/bin/env python
"""Forward + backward + Adam step timing of heptorch's TabNet-S against pytorch-tabnet's network, alternating in one run.

TabNet-S as the TabNet paper used it for HIGGS: n_d=24, n_a=26, 5 steps, gamma=1.5, batch 16384, virtual batch 512,
momentum 0.6, on 28 features (simulated HIGGS-like rows, standardised). This times the network only: no data
loading, no training loop (the Learner-based `bench_tabnet.py` of issue 7 will time whole epochs).

    PYTHONPATH=$PWD .bench/tabnet/bin/python experiments/tabnet_forward_bench.py [--rounds 5] [--steps 3] [--threads 1] [--device cuda]

pytorch-tabnet 4.1.0 must be importable for the comparison (keep it in its own venv, never a heptorch dependency);
without it only heptorch is timed. Prints `tabnet_step_ratio=<ours/theirs>` last (below 1: ours is faster).
"""
import argparse, json, os, platform, statistics, time
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
from heptorch.higgs import simulate_higgs, HIGGS_FEATURES
from heptorch.tabnet.model import TabNet

CFG = dict(n_d=24, n_a=26, n_steps=5, gamma=1.5, n_independent=2, n_shared=2, virtual_batch_size=512, momentum=0.6)
LAMBDA_SPARSE = 1e-6

def ours_step(model, opt, x, y):
    loss = F.cross_entropy(model(x), y) + LAMBDA_SPARSE * model.sparsity_loss
    opt.zero_grad(); loss.backward(); opt.step()

def theirs_step(model, opt, x, y):
    out, m_loss = model(x)
    loss = F.cross_entropy(out, y) - LAMBDA_SPARSE * m_loss  # pytorch-tabnet's M_loss is minus the entropy
    opt.zero_grad(); loss.backward(); opt.step()

def time_steps(step, model, opt, x, y, n):
    t0 = time.perf_counter()
    for _ in range(n): step(model, opt, x, y)
    return (time.perf_counter() - t0) / n

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=5); ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--batch', type=int, default=16384); ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch default)')
    ap.add_argument('--out', default='experiments/results/tabnet_forward_bench.json')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    df = simulate_higgs(a.batch, seed=0)
    X = df[HIGGS_FEATURES].to_numpy(np.float32)
    X = (X - X.mean(0)) / X.std(0)
    x, y = torch.from_numpy(X).to(dev), torch.from_numpy(df.label.to_numpy(np.int64)).to(dev)
    torch.manual_seed(0)
    models = {'heptorch': (ours_step, TabNet(28, 2, **CFG).to(dev))}
    try:
        from pytorch_tabnet.tab_network import TabNet as PTTabNet
        from pytorch_tabnet.utils import create_group_matrix
        import pytorch_tabnet
        models['pytorch_tabnet'] = (theirs_step, PTTabNet(28, 2, mask_type='sparsemax', **CFG,
                                                          group_attention_matrix=create_group_matrix([], 28)).to(dev))
    except ImportError as e: print(f"pytorch-tabnet not importable ({e}); timing heptorch only")
    opts = {k: torch.optim.Adam(m.parameters(), lr=0.02) for k, (_, m) in models.items()}
    n_par = {k: sum(p.numel() for p in m.parameters()) for k, (_, m) in models.items()}
    print('parameters', n_par)
    for k, (step, m) in models.items(): step(m, opts[k], x, y)  # warm-up
    times = {k: [] for k in models}
    for r in range(a.rounds):  # alternate so that load changes hit both alike
        for k, (step, m) in models.items():
            times[k].append(time_steps(step, m, opts[k], x, y, a.steps))
            if dev.type == 'cuda': torch.cuda.synchronize()
        print(f"round {r}: " + ', '.join(f"{k}={t[-1] * 1e3:.0f} ms/step" for k, t in times.items()))
    med = {k: statistics.median(t) for k, t in times.items()}
    res = dict(config=CFG, batch=a.batch, device=str(dev), threads=torch.get_num_threads(), torch=torch.__version__,
               machine=platform.machine(), cpus=os.cpu_count(), load_avg=os.getloadavg(), parameters=n_par,
               median_s_per_step=med, rows_per_s={k: a.batch / v for k, v in med.items()}, all_s_per_step=times)
    for k, v in med.items(): print(f"{k}: {v * 1e3:.0f} ms per forward+backward+step of {a.batch} rows = {a.batch / v:,.0f} rows/s")
    if 'pytorch_tabnet' in med:
        res['pytorch_tabnet_version'] = getattr(pytorch_tabnet, '__version__', '4.1.0')
        res['ratio'] = med['heptorch'] / med['pytorch_tabnet']
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    if 'ratio' in res: print(f"tabnet_step_ratio={res['ratio']:.3f}")

if __name__ == '__main__': main()
