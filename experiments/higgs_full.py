#!/usr/bin/env python
"""Full-size HIGGS workflow with bounded memory: CSV -> chunked HDF5 (heptorch convert) -> one epoch of an MLP streamed from disk.

With `--csv HIGGS.csv.gz` (the UCI file: no header, label first, 11,000,000 rows) the real file is converted. Without it the
stand-in is written first: `heptorch.higgs.simulate_higgs` events, chunk by chunk, to a CSV of `--n` rows (never all in
memory). `simulate_higgs` makes about 10^4 events/s on one loaded core, so 11M fresh events take ~20 min; with `--pool P`
(default 500,000) P events are simulated once and each CSV chunk is a bootstrap resample of them (stated in the results;
`--pool 0` simulates every row). The test set is always `--n_test` freshly simulated events of another seed.

Then: convert the CSV to HDF5 (rows/s, statistics file), train an MLP for one epoch streamed from the HDF5 file (shuffled
units, a shuffle buffer, standardised with the conversion's statistics), and the same model for one epoch from an in-memory
array of `--inmem_n` rows (before and after the streamed epoch; the reference is their mean). Peak RSS of the whole run.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/higgs_full.py [--csv HIGGS.csv.gz] [--n 11000000]

Results to experiments/results/higgs_full.json; the last line is `stream_train_ratio=<streamed rows/s / in-memory rows/s>`.
"""
import argparse, json, os, resource, shutil, tempfile, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
from heptorch.core import set_seed
from heptorch.data import DataLoaders
from heptorch.data_stream import StreamDataset, convert, stats_path
from heptorch.higgs import simulate_higgs, HIGGS_FEATURES
from heptorch.learner import Learner
from heptorch.losses import WeightedBCEWithLogits
from heptorch.metrics import weighted_auc

COLS = ['label'] + HIGGS_FEATURES

def rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def write_standin(path, n, chunk, pool, seed):
    "Write n stand-in rows to a CSV chunk by chunk (pyarrow's CSV writer); bootstrap chunks from a pool when pool > 0"
    import pyarrow as pa, pyarrow.csv as pcsv
    rng = np.random.default_rng(seed)
    base = simulate_higgs(pool, seed=seed)[COLS].to_numpy(np.float32) if pool else None
    with open(path, 'wb') as f:
        w = None
        for k, a in enumerate(range(0, n, chunk)):
            m = min(chunk, n - a)
            arr = base[rng.integers(0, len(base), m)] if pool else simulate_higgs(m, seed=seed + 1000 + k)[COLS].to_numpy(np.float32)
            tab = pa.table({c: arr[:, i] for i, c in enumerate(COLS)})
            if w is None: w = pcsv.CSVWriter(f, tab.schema, write_options=pcsv.WriteOptions(include_header=False))
            w.write_table(tab)
        w.close()

def mlp(): return nn.Sequential(nn.Linear(len(HIGGS_FEATURES), 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

def train_epoch(dl, seed, lr):
    set_seed(seed)
    learn = Learner(mlp(), DataLoaders(dl, None), WeightedBCEWithLogits(), lr=lr, device='cpu')
    t0 = time.perf_counter(); learn.fit(1); secs = time.perf_counter() - t0
    return learn, secs

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--csv', help='the real HIGGS.csv(.gz); default: write the stand-in')
    ap.add_argument('--n', type=int, default=11_000_000); ap.add_argument('--pool', type=int, default=500_000)
    ap.add_argument('--chunk_rows', type=int, default=250_000); ap.add_argument('--bs', type=int, default=1024)
    ap.add_argument('--buffer', type=int, default=500_000); ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--inmem_n', type=int, default=1_000_000); ap.add_argument('--n_test', type=int, default=200_000)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--work', help='folder for the CSV and HDF5 files (default: a temporary folder, removed at the end)')
    ap.add_argument('--out', default='experiments/results/higgs_full.json')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t_all = time.perf_counter()
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix='higgs_full_'))
    work.mkdir(parents=True, exist_ok=True)
    res = dict(args={k: v for k, v in vars(a).items() if k not in ('work',)}, source='real HIGGS.csv' if a.csv else 'simulate_higgs stand-in', complete=False)
    def save():
        res['peak_rss_mb'] = rss_mb(); res['wall_s'] = time.perf_counter() - t_all
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=1))
    try:
        if a.csv: csv, names = Path(a.csv), COLS
        else:
            csv, names = work / 'higgs_standin.csv', COLS
            t0 = time.perf_counter(); write_standin(csv, a.n, a.chunk_rows, a.pool, a.seed)
            res['standin_write_s'] = time.perf_counter() - t0
            res['standin'] = f"{a.n:,} rows" + (f", bootstrap chunks of a pool of {a.pool:,} simulated events" if a.pool else ", all simulated")
            print(f"stand-in CSV: {res['standin']}, {csv.stat().st_size / 1e9:.2f} GB in {res['standin_write_s']:.0f} s, peak RSS {rss_mb():.0f} MB", flush=True)
            save()
        h5 = work / 'higgs.h5'
        t0 = time.perf_counter()
        st = convert(csv, h5, chunk_rows=a.chunk_rows, names=names, label='label', progress=True)
        res['convert_s'] = time.perf_counter() - t0
        res['convert_rows_per_s'] = st['n_rows'] / res['convert_s']
        res['rows'] = st['n_rows']; res['h5_gb'] = h5.stat().st_size / 1e9
        print(f"convert: {st['n_rows']:,} rows in {res['convert_s']:.0f} s = {res['convert_rows_per_s']:,.0f} rows/s, {res['h5_gb']:.2f} GB HDF5, "
              f"class weight sums {st['class_weight_sums']}, peak RSS {rss_mb():.0f} MB", flush=True)
        save()

        test = simulate_higgs(a.n_test, seed=a.seed + 999)
        mu = np.array([st['columns'][c]['mean'] for c in HIGGS_FEATURES], np.float32)
        sd = np.array([st['columns'][c]['std'] for c in HIGGS_FEATURES], np.float32)
        xt, yt = (test[HIGGS_FEATURES].to_numpy(np.float32) - mu) / sd, test['label'].to_numpy()
        del test
        ds = StreamDataset(h5, x=HIGGS_FEATURES, y='label', chunk_rows=a.chunk_rows, standardize=True, stats=stats_path(h5))
        mem = StreamDataset(h5, x=HIGGS_FEATURES, y='label', chunk_rows=a.chunk_rows, standardize=True, stats=stats_path(h5))
        mem.units = [u for u in mem.units if u[1][0] < a.inmem_n]
        xs, ys = zip(*[(x, y) for x, y, _ in mem])
        xm, ym = np.concatenate(xs)[:a.inmem_n], np.concatenate(ys)[:a.inmem_n].astype(np.float32)
        del xs, ys
        inmem = []
        def run_inmem():
            dl = DataLoaders.from_arrays(xm, ym, bs=a.bs, shuffle=True, seed=a.seed, device='cpu').train
            _, secs = train_epoch(dl, a.seed, a.lr)
            inmem.append(len(ym) / secs)
            print(f"in-memory epoch: {len(ym):,} rows in {secs:.1f} s = {inmem[-1]:,.0f} rows/s", flush=True)
        run_inmem()
        dl = ds.loader(bs=a.bs, shuffle=True, buffer=a.buffer, seed=a.seed, device='cpu')
        learn, secs = train_epoch(dl, a.seed, a.lr)
        res['train_s'] = secs; res['train_rows_per_s'] = ds.n_events / secs
        print(f"streamed epoch: {ds.n_events:,} rows in {secs:.0f} s = {res['train_rows_per_s']:,.0f} rows/s, peak RSS {rss_mb():.0f} MB", flush=True)
        save()
        run_inmem()
        res['inmemory_rows_per_s'] = float(np.mean(inmem)); res['inmemory_rounds_rows_per_s'] = inmem
        p = torch.sigmoid(learn.predict(xt, bs=65536)[:, 0]).numpy()
        res['test_auc'] = float(weighted_auc(yt, p))
        print(f"test AUC (streamed model, {len(yt):,} fresh events): {res['test_auc']:.4f}")
        res['complete'] = True
    except KeyboardInterrupt:                 # `timeout -s INT`: keep what was measured
        res['interrupted'] = True; save()
        print(f"interrupted; partial results in {a.out}: {res}"); raise
    finally:
        if not a.work: shutil.rmtree(work, ignore_errors=True)
    res['stream_train_ratio'] = res['train_rows_per_s'] / res['inmemory_rows_per_s']
    save()
    print(f"peak RSS {res['peak_rss_mb']:.0f} MB, wall {res['wall_s']:.0f} s; results in {a.out}")
    print(f"stream_train_ratio={res['stream_train_ratio']:.3f}")

if __name__ == '__main__': main()
