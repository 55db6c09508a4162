#!/usr/bin/env python
"""Issue-7 benchmark: heptorch's TabNet (trained on the Learner, sparsity term as a callback) against
pytorch-tabnet 4.1.0 on the same simulated HIGGS-like training set with the TabNet-S settings of the TabNet paper
(n_d=24, n_a=26, 5 steps, gamma=1.5, lambda_sparse=1e-6, batch 16384, virtual batch 512, lr 0.02, Adam).

Each library trains in its own process (heptorch with the python running this script, pytorch-tabnet with its own venv),
the runs alternate (ABBA order over rounds), every process uses the same number of threads, and each reports its
own per-epoch times, test accuracy/AUC and peak resident memory (getrusage ru_maxrss).

    make bench-tabnet     (creates pytorch-tabnet's venv in .bench/tabnet from experiments/peers/tabnet.txt, then runs:)
    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python experiments/bench_tabnet.py [--n-train 200000] [--epochs 6] [--rounds 2] [--peer_python PATH]
    (--plot-only redraws experiments/results/bench_tabnet.png from the committed JSON)

Batch-norm momentum: the paper's 0.6 is TensorFlow's convention (weight of the old running value); both libraries
use PyTorch's convention (weight of the new batch), so 0.6 there is momentum=0.4 here (`--momentum`).
Features are standardised with the training mean/std for both libraries (the input batch norm's running statistics
move slowly, momentum 0.01 in both implementations, and the simulated features are in GeV).
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]

def peak_rss_mb():
    "Peak resident memory of this process in MB (Linux reports ru_maxrss in KiB)"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def auc(y, p):
    "Unweighted ROC AUC by ranks (numpy only, so both workers use the same code)"
    from scipy.stats import rankdata
    r = rankdata(p); n1 = y.sum(); n0 = len(y) - n1
    return float((r[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))

def worker(a):
    import torch
    torch.set_num_threads(a.threads)
    d = np.load(a.data)
    xtr, ytr, xte, yte = d['xtr'], d['ytr'], d['xte'], d['yte']
    hp = dict(n_d=24, n_a=26, n_steps=5, gamma=1.5, n_independent=2, n_shared=2)
    t_start = time.perf_counter()
    if a.worker == 'heptorch':
        from heptorch.tabnet.learner import tabnet_learner
        learn = tabnet_learner(xtr, ytr, bs=a.bs, lr=a.lr, lambda_sparse=a.lambda_sparse, seed=a.seed, device='cpu',
                               virtual_batch_size=a.vbs, momentum=a.momentum, metrics=[], **hp)
        learn.fit(a.epochs)
        ep_times = learn.recorder.values['time']
        p = torch.sigmoid(learn.predict(xte, bs=a.bs)[:, 0]).numpy()
        n_params = sum(q.numel() for q in learn.model.parameters())
    else:
        from pytorch_tabnet.tab_model import TabNetClassifier
        from pytorch_tabnet.callbacks import Callback
        class Timer(Callback):
            def on_train_begin(self, logs=None): self.times = []
            def on_epoch_begin(self, epoch, logs=None): self.t0 = time.perf_counter()
            def on_epoch_end(self, epoch, logs=None): self.times.append(time.perf_counter() - self.t0)
        timer = Timer()
        clf = TabNetClassifier(**hp, lambda_sparse=a.lambda_sparse, momentum=a.momentum, mask_type='sparsemax', seed=a.seed,
                               optimizer_fn=torch.optim.Adam, optimizer_params=dict(lr=a.lr), verbose=0, device_name='cpu')
        clf.fit(xtr, ytr, max_epochs=a.epochs, patience=0, batch_size=a.bs, virtual_batch_size=a.vbs, drop_last=False,
                callbacks=[timer], compute_importance=False, num_workers=0)
        ep_times = timer.times
        p = clf.predict_proba(xte)[:, 1]
        n_params = sum(q.numel() for q in clf.network.parameters())
    total = time.perf_counter() - t_start
    acc = float(((p > 0.5) == (yte == 1)).mean())
    print(json.dumps(dict(worker=a.worker, seed=a.seed, epoch_times=[float(t) for t in ep_times], total_s=total,
                          accuracy=acc, auc=auc(yte, p), peak_rss_mb=peak_rss_mb(), n_params=int(n_params),
                          threads=torch.get_num_threads(), torch=torch.__version__)))

def plot(res:dict, fn:str):
    "Epoch times of every run (left) and test accuracy per round (right), from a results JSON"
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    cols = {'heptorch': 'C0', 'pytorch_tabnet': 'C1'}
    for x in res['runs']:
        a1.plot(np.arange(1, len(x['epoch_times']) + 1), x['epoch_times'], 'o-', color=cols[x['worker']], alpha=0.8,
                label=f"{x['worker']} round {x['round']} (load {x['load1_before']:.1f})")
    a1.set_xlabel('epoch'); a1.set_ylabel('epoch time (s)'); a1.set_ylim(0, None); a1.legend(fontsize=6)
    for w, c in cols.items():
        rs = [x for x in res['runs'] if x['worker'] == w]
        a2.plot([x['round'] for x in rs], [x['accuracy'] for x in rs], 'o', color=c, label=w)
    a2.set_xlabel('round'); a2.set_ylabel('test accuracy'); a2.legend(fontsize=8)
    fig.suptitle(f"TabNet-S, 200k simulated HIGGS-like rows: epoch ratio {res['tabnet_epoch_ratio']:.3f}", fontsize=10)
    fig.tight_layout(); fig.savefig(fn, dpi=110); plt.close(fig)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n-train', type=int, default=200_000); ap.add_argument('--n-test', type=int, default=100_000)
    ap.add_argument('--epochs', type=int, default=6); ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--bs', type=int, default=16384); ap.add_argument('--vbs', type=int, default=512)
    ap.add_argument('--lr', type=float, default=0.02); ap.add_argument('--lambda-sparse', type=float, default=1e-6)
    ap.add_argument('--momentum', type=float, default=0.4, help="PyTorch convention; the paper's 0.6 in TensorFlow's")
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='experiments/results/bench_tabnet')
    ap.add_argument('--peer_python', default=str(ROOT / '.bench' / 'tabnet' / 'bin' / 'python'), help="pytorch-tabnet's python (default: the venv `make bench-tabnet` creates)")
    ap.add_argument('--worker', choices=['heptorch', 'pytorch_tabnet']); ap.add_argument('--data')
    ap.add_argument('--plot-only', action='store_true', help='only redraw OUT.png from OUT.json')
    a = ap.parse_args()
    if a.worker: return worker(a)
    if a.plot_only: return plot(json.loads(Path(a.out + '.json').read_text()), a.out + '.png')

    from heptorch.higgs import simulate_higgs, higgs_split, HIGGS_FEATURES
    t0 = time.perf_counter()
    df = simulate_higgs(a.n_train + a.n_test, seed=a.seed)
    tr, te = higgs_split(df, n_test=a.n_test)
    mu, sd = tr[HIGGS_FEATURES].mean(), tr[HIGGS_FEATURES].std()
    prep = lambda d: ((d[HIGGS_FEATURES] - mu) / sd).to_numpy(np.float32)
    tmp = Path(tempfile.mkdtemp()) / 'higgs_sim.npz'
    np.savez(tmp, xtr=prep(tr), ytr=tr.label.to_numpy(np.int64), xte=prep(te), yte=te.label.to_numpy(np.int64))
    print(f"simulated HIGGS-like data: {len(tr):,} train / {len(te):,} test rows, seed {a.seed} ({time.perf_counter() - t0:.0f} s)")
    print(f"TabNet-S: n_d=24 n_a=26 steps=5 gamma=1.5 lambda_sparse={a.lambda_sparse} batch={a.bs} virtual_batch={a.vbs} "
          f"momentum={a.momentum} (PyTorch convention) lr={a.lr}; {a.epochs} epochs x {a.rounds} rounds per library; "
          f"{a.threads} thread(s) per process (OMP_NUM_THREADS={a.threads}); load before: {os.getloadavg()}")
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), MKL_NUM_THREADS=str(a.threads), PYTHONPATH=os.getcwd())
    if not Path(a.peer_python).exists(): sys.exit(f"pytorch-tabnet's python not found at {a.peer_python}: run `make bench-tabnet` (creates it) or pass --peer_python")
    pys = {'heptorch': sys.executable, 'pytorch_tabnet': a.peer_python}
    runs = []
    for r in range(a.rounds):
        order = ['heptorch', 'pytorch_tabnet'] if r % 2 == 0 else ['pytorch_tabnet', 'heptorch']
        for w in order:
            cmd = [pys[w], __file__, '--worker', w, '--data', str(tmp), '--epochs', str(a.epochs), '--bs', str(a.bs),
                   '--vbs', str(a.vbs), '--lr', str(a.lr), '--lambda-sparse', str(a.lambda_sparse), '--momentum', str(a.momentum),
                   '--threads', str(a.threads), '--seed', str(a.seed + r)]
            load = os.getloadavg()[0]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode: sys.exit(f"{w} worker failed:\n{out.stderr[-3000:]}")
            res = json.loads(out.stdout.strip().splitlines()[-1]); res['round'], res['load1_before'] = r, load
            runs.append(res)
            et = np.array(res['epoch_times'])
            print(f"round {r} {w:15s}: median epoch {np.median(et):6.1f} s ({a.n_train / np.median(et):8,.0f} rows/s), "
                  f"accuracy {res['accuracy']:.4f}, AUC {res['auc']:.4f}, peak RSS {res['peak_rss_mb']:,.0f} MB, load {load:.2f}", flush=True)
    tmp.unlink()
    summ = {}
    for w in pys:
        rs = [x for x in runs if x['worker'] == w]
        et = np.concatenate([x['epoch_times'] for x in rs])
        summ[w] = dict(median_epoch_s=float(np.median(et)), mean_epoch_s=float(et.mean()), rows_per_s=float(a.n_train / np.median(et)),
                       accuracy=float(np.mean([x['accuracy'] for x in rs])), auc=float(np.mean([x['auc'] for x in rs])),
                       peak_rss_mb=float(max(x['peak_rss_mb'] for x in rs)), n_params=rs[0]['n_params'])
    h, p = summ['heptorch'], summ['pytorch_tabnet']
    ratio = h['median_epoch_s'] / p['median_epoch_s']
    lines = [f"{w}: {s['rows_per_s']:,.0f} rows/s (median epoch {s['median_epoch_s']:.1f} s), peak RSS {s['peak_rss_mb']:,.0f} MB, "
             f"{s['n_params']:,} parameters" for w, s in summ.items()]
    lines += [f"accuracy heptorch={h['accuracy']:.4f} pytorch_tabnet={p['accuracy']:.4f}",
              f"auc heptorch={h['auc']:.4f} pytorch_tabnet={p['auc']:.4f}",
              f"tabnet_epoch_ratio={ratio:.3f}"]
    print('\n'.join(lines))
    res = dict(config={k: v for k, v in vars(a).items() if k not in ('peer_python', 'worker', 'plot_only')} | {'peer': 'pytorch-tabnet 4.1.0 (experiments/peers/tabnet.txt)', 'data': 'simulate_higgs (stand-in)', 'load_after': os.getloadavg()}, runs=runs, summary=summ,
               tabnet_epoch_ratio=ratio, accuracy_gap_points=100 * (h['accuracy'] - p['accuracy']))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out + '.json').write_text(json.dumps(res, indent=1))
        plot(res, a.out + '.png')

if __name__ == '__main__': main()
