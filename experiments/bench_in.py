"""Interaction network: heptorch's vectorised `InteractionNetwork` vs JEDI-net's dense receiver/sender-matrix formulation.

The peer is `heptorch.sets.models.DenseInteractionNetwork`: JEDI-net's formulation (one-hot R_r, R_s of shape
N x N(N-1), pair inputs X R_r, X R_s, messages summed as E R_r^T), written from the paper (Moreno et al.,
arXiv:1908.05318), with the same modules and state_dict as ours. Both get the same weights and the same batch.

Setting per N (JEDI-net's best [h, D_E, D_O] from the paper): N=30 [50,12,6], 50 [50,12,14], 100 [30,10,10],
150 [10,4,14]; P = 16 features, 5 classes, flattened O (the paper's default), batch of 100 jets with every slot
real (the worst case for both), cross-entropy forward + backward, one CPU thread (OMP_NUM_THREADS=1).

Time: `--rounds` rounds; in each the two formulations are timed one after the other (order alternating between
rounds), `--reps` forward+backward passes each after one warm-up pass; medians per formulation and N.
Peak memory: each (formulation, N) runs in a fresh subprocess: one warm-up pass, then the increase of the process's
peak resident set size (VmHWM, reset through /proc/self/clear_refs) over its RSS just before one more forward+backward
pass. The dense model's one-hot matrices exist before that pass (reported separately as relation_matrices_mb).
(tracemalloc does not see torch's allocations.)

Run: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/bench_in.py
Writes experiments/results/bench_in.json and bench_in.png; the last line is in_speed_ratio=<ours/dense at N=150>.
"""
import os
os.environ.setdefault('OMP_NUM_THREADS', '1')
import argparse, json, subprocess, sys, time, platform
from pathlib import Path
import numpy as np

HYPER = {30: (50, 12, 6), 50: (50, 12, 14), 100: (30, 10, 10), 150: (10, 4, 14)}  # JEDI-net's best [h, D_E, D_O]
P, N_CLASSES = 16, 5

def build(N, seed=0):
    import torch
    from heptorch.sets.models import InteractionNetwork, DenseInteractionNetwork
    h, de, do = HYPER[N]
    torch.manual_seed(seed)
    vec = InteractionNetwork(P, N, N_CLASSES, hidden=h, d_e=de, d_o=do)
    dense = DenseInteractionNetwork(P, N, N_CLASSES, hidden=h, d_e=de, d_o=do)
    dense.load_state_dict(vec.state_dict())
    return vec, dense

def batch(N, bs, seed=0):
    import torch
    g = torch.Generator().manual_seed(seed)
    return torch.randn(bs, N, P, generator=g), torch.ones(bs, N, dtype=torch.bool), torch.randint(0, N_CLASSES, (bs,), generator=g)

def step(model, x, m, y):
    import torch.nn.functional as F
    loss = F.cross_entropy(model(x, m), y)
    loss.backward()
    model.zero_grad(set_to_none=True)
    return float(loss.detach())

def rss_kb(field):
    for line in open('/proc/self/status'):
        if line.startswith(field): return int(line.split()[1])
    return None

def mem_child(impl, N, bs):
    "Runs in a fresh process: peak RSS increase (MB) of one forward+backward pass"
    import gc, torch
    torch.set_num_threads(1)
    vec, dense = build(N)
    model = vec if impl == 'vec' else dense
    x, m, y = batch(N, bs)
    step(model, x, m, y)  # warm-up: lazy initialisations and, for the dense model, its one-hot matrices (built once, like the paper's code)
    gc.collect()
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')  # reset the peak RSS to the current RSS
        reset = True
    except OSError: reset = False
    base = rss_kb('VmRSS')
    step(model, x, m, y)
    peak = rss_kb('VmHWM')
    rel_mb = (2 * N * N * (N - 1) * 4) / 2**20 if impl == 'dense' else 0.
    print(json.dumps(dict(peak_mb=(peak - base) / 1024, hwm_reset=reset, relation_matrices_mb=rel_mb)))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--ns', type=int, nargs='+', default=[30, 50, 100, 150])
    ap.add_argument('--bs', type=int, default=100)
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'bench_in.json'))
    ap.add_argument('--mem_child', nargs=2, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.mem_child: return mem_child(a.mem_child[0], int(a.mem_child[1]), a.bs)
    import torch
    torch.set_num_threads(1)
    res, t_start, load0 = {}, time.time(), os.getloadavg()
    for N in a.ns:
        vec, dense = build(N)
        x, m, y = batch(N, a.bs)
        with torch.no_grad(): diff = float((vec(x, m) - dense(x, m)).abs().max())
        for mdl in (vec, dense): step(mdl, x, m, y)  # warm-up (and the dense model builds its matrices once)
        times = {'vec': [], 'dense': []}
        for r in range(a.rounds):
            for impl in (('vec', 'dense') if r % 2 == 0 else ('dense', 'vec')):
                mdl = vec if impl == 'vec' else dense
                for _ in range(a.reps):
                    t0 = time.perf_counter(); step(mdl, x, m, y); times[impl].append(time.perf_counter() - t0)
        mem = {}
        for impl in ('vec', 'dense'):
            out = subprocess.run([sys.executable, __file__, '--mem_child', impl, str(N), '--bs', str(a.bs)], capture_output=True, text=True, check=True)
            mem[impl] = json.loads(out.stdout.strip().splitlines()[-1])
        med = {k: float(np.median(v)) for k, v in times.items()}
        res[N] = dict(hyper=dict(zip(('h', 'D_E', 'D_O'), HYPER[N])), max_abs_output_diff=diff,
                      vec_ms=[1e3 * t for t in times['vec']], dense_ms=[1e3 * t for t in times['dense']],
                      vec_median_ms=1e3 * med['vec'], dense_median_ms=1e3 * med['dense'], speed_ratio=med['vec'] / med['dense'],
                      vec_peak_mb=mem['vec']['peak_mb'], dense_peak_mb=mem['dense']['peak_mb'],
                      dense_relation_matrices_mb=mem['dense']['relation_matrices_mb'], hwm_reset=mem['vec']['hwm_reset'] and mem['dense']['hwm_reset'])
        print(f"N={N:4d} [h,D_E,D_O]={list(HYPER[N])}: ours {1e3*med['vec']:8.2f} ms, dense {1e3*med['dense']:9.2f} ms, ratio {med['vec']/med['dense']:.4f}; "
              f"peak +{mem['vec']['peak_mb']:.1f} MB vs +{mem['dense']['peak_mb']:.1f} MB (+{mem['dense']['relation_matrices_mb']:.1f} MB matrices); |Δout| {diff:.1e}", flush=True)
    out = dict(description=__doc__.strip().splitlines()[0], P=P, n_classes=N_CLASSES, batch=a.bs, rounds=a.rounds, reps=a.reps,
               threads=torch.get_num_threads(), torch=torch.__version__, machine=platform.machine(), cpu_count=os.cpu_count(),
               load_avg_start=load0, load_avg_end=os.getloadavg(), aggregate='flatten',
               all_slots_real=True, memory_method='peak RSS (VmHWM after clear_refs) minus RSS before one forward+backward after a warm-up pass, fresh subprocess per configuration',
               wall_s=time.time() - t_start, results={str(k): v for k, v in res.items()})
    if 150 in res: out['in_speed_ratio'] = res[150]['speed_ratio']
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1))
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ns = sorted(res)
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6))
    for impl, lab in (('vec', 'vectorised (heptorch)'), ('dense', 'dense R_r, R_s (JEDI-net)')):
        axs[0].plot(ns, [res[n][f'{impl}_median_ms'] for n in ns], 'o-', label=lab)
        axs[1].plot(ns, [max(res[n][f'{impl}_peak_mb'], 1e-2) for n in ns], 'o-', label=lab)
    axs[0].set_ylabel('forward + backward per batch of 100 [ms]'); axs[1].set_ylabel('peak memory increase [MB]')
    for ax in axs: ax.set_xlabel('constituents N'); ax.set_yscale('log'); ax.legend(fontsize=8)
    fig.suptitle(f'Interaction network, P={P}, JEDI-net best [h, D_E, D_O] per N, 1 CPU thread')
    fig.tight_layout(); fig.savefig(Path(a.out).with_suffix('.png'), dpi=120)
    if 150 in res: print(f"in_speed_ratio={res[150]['speed_ratio']:.4f}")

if __name__ == '__main__': main()
