"""Inference speed of heptorch models in eager torch against the same models exported to ONNX and run by onnxruntime.

Models (random weights; speed does not depend on training), HIGGS-sized input of 30 features, standardisation and the
sigmoid inside both the eager module and the graph (`heptorch.export.onnx.export_module` / `to_onnx`):
  mlp       3 x 100 ReLU MLP (heptorch.sklearn.mlp)
  tabnet    TabNet n_d=n_a=8, 3 steps, sparsemax masks (heptorch.tabnet.model.TabNet)
  ensemble  5 of the MLPs above, averaged inside one graph (heptorch.ensemble.Ensemble)
One thread for both backends: torch.set_num_threads(1) and onnxruntime intra_op_num_threads=1 (inter_op 1).
Eager torch runs under torch.inference_mode(). Each measurement repeats calls on a prepared batch (1 or 10,000 events)
until --min_time seconds of CPU time have passed; backends alternate within a round and their order flips between
rounds. events/s is taken from process CPU time (the machine is shared, so wall time includes waiting for a core) and
also reported from wall time. Each of --reruns full runs is a fresh interpreter; the summary is the median over
reruns of each run's median over rounds, with the min and max over reruns as the spread; the onnxruntime/torch
ratio is the median of the per-run ratios.

    PYTHONPATH=$PWD python experiments/bench_export.py [--reruns 3] [--rounds 5] [--min_time 0.3] [--out experiments/results/bench_export.json]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch

BATCHES = (1, 10_000)
MODELS = ('mlp', 'tabnet', 'ensemble')
N_FEATURES = 30

def make_model(name):
    from heptorch.sklearn import mlp
    from heptorch.tabnet.model import TabNet
    from heptorch.ensemble import Ensemble
    torch.manual_seed(0)
    if name == 'mlp': return mlp(N_FEATURES, 1, (100, 100, 100))
    if name == 'tabnet': return TabNet(N_FEATURES, 1, n_d=8, n_a=8, n_steps=3, mask_fn='sparsemax')
    if name == 'ensemble': return Ensemble([mlp(N_FEATURES, 1, (100, 100, 100)) for _ in range(5)])
    raise ValueError(name)

def time_calls(f, n_events, min_time):
    "Call f() until min_time CPU seconds have passed; (events/s from CPU time, events/s from wall time, calls)"
    f()  # warm
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while True:
        f(); n += 1
        dc = time.process_time() - c0
        if dc >= min_time: break
    dt = time.perf_counter() - t0
    return n * n_events / dc, n * n_events / dt, n

def single_run(a):
    from heptorch.export.onnx import to_onnx, export_module, onnx_session, onnx_feeds, check_parity
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    means, stds = rng.normal(size=N_FEATURES), rng.uniform(0.5, 2, N_FEATURES)
    res = {}
    with tempfile.TemporaryDirectory() as d:
        for name in a.models:
            model = make_model(name)
            path = to_onnx(model, Path(d) / f'{name}.onnx', means=means, stds=stds)
            mod = export_module(model, torch.zeros(2, N_FEATURES), means, stds)
            sess = onnx_session(path, n_threads=1)
            res[name] = {'torch': {}, 'onnxruntime': {}, 'torch_wall': {}, 'onnxruntime_wall': {}, 'parity_max_abs_diff': {}}
            for bs in BATCHES:
                x = (means + stds * rng.normal(size=(bs, N_FEATURES))).astype(np.float32)
                xt, feeds = torch.from_numpy(x), onnx_feeds(sess, x)
                res[name]['parity_max_abs_diff'][str(bs)] = check_parity(model, path, x, raise_error=False)['max_abs_diff']
                def run_torch():
                    with torch.inference_mode(): return mod(xt)
                run_ort = lambda: sess.run(None, feeds)
                per = {'torch': [], 'onnxruntime': []}; wall = {'torch': [], 'onnxruntime': []}
                for r in range(a.rounds):
                    order = (('torch', run_torch), ('onnxruntime', run_ort))
                    for k, f in (order if r % 2 == 0 else order[::-1]):
                        c, w, _ = time_calls(f, bs, a.min_time)
                        per[k].append(c); wall[k].append(w)
                for k in per:
                    res[name][k][str(bs)] = statistics.median(per[k])
                    res[name][k + '_wall'][str(bs)] = statistics.median(wall[k])
                print(f"{name:>8s} batch {bs:>6d}: torch {res[name]['torch'][str(bs)]:>12,.0f} ev/s, onnxruntime "
                      f"{res[name]['onnxruntime'][str(bs)]:>12,.0f} ev/s (CPU time; ratio ort/torch "
                      f"{res[name]['onnxruntime'][str(bs)] / res[name]['torch'][str(bs)]:.2f})", flush=True)
    return res

def summarise(runs, models):
    "Per model: median over runs of each backend's events/s, [min, max] over runs, and the median and range of the per-run ratios"
    summary = {}
    for name in models:
        m = {}
        for k in ('torch', 'onnxruntime', 'torch_wall', 'onnxruntime_wall'):
            m[k] = {str(bs): statistics.median(r[name][k][str(bs)] for r in runs) for bs in BATCHES}
            m[k + '_spread'] = {str(bs): [min(r[name][k][str(bs)] for r in runs), max(r[name][k][str(bs)] for r in runs)] for bs in BATCHES}
        ratios = {str(bs): [r[name]['onnxruntime'][str(bs)] / r[name]['torch'][str(bs)] for r in runs] for bs in BATCHES}
        m['ratio_onnxruntime_over_torch'] = {bs: statistics.median(v) for bs, v in ratios.items()}
        m['ratio_spread'] = {bs: [min(v), max(v)] for bs, v in ratios.items()}
        m['parity_max_abs_diff'] = max(v for r in runs for v in r[name]['parity_max_abs_diff'].values())
        summary[name] = m
    return summary

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--reruns', type=int, default=3, help='full runs, each in a fresh interpreter')
    ap.add_argument('--rounds', type=int, default=5, help='alternating rounds per model and batch size')
    ap.add_argument('--min_time', type=float, default=0.3, help='CPU seconds per measurement')
    ap.add_argument('--models', nargs='+', default=list(MODELS), choices=MODELS)
    ap.add_argument('--out', default='experiments/results/bench_export.json')
    ap.add_argument('--single', default=None, help=argparse.SUPPRESS)  # internal: one run, results to this file
    a = ap.parse_args()
    if a.single:
        Path(a.single).write_text(json.dumps(single_run(a))); return
    import onnxruntime, heptorch
    runs = []
    for i in range(a.reruns):
        with tempfile.NamedTemporaryFile(suffix='.json', delete=False) as f: tmp = f.name
        print(f"--- run {i + 1}/{a.reruns}", flush=True)
        env = {**os.environ, 'OMP_NUM_THREADS': '1'}
        subprocess.run([sys.executable, __file__, '--single', tmp, '--rounds', str(a.rounds), '--min_time', str(a.min_time),
                        '--models', *a.models], check=True, env=env)
        runs.append(json.loads(Path(tmp).read_text())); os.unlink(tmp)
    summary = summarise(runs, a.models)
    first = a.models[0]
    out = {'events_per_s': {'torch': summary[first]['torch'], 'onnxruntime': summary[first]['onnxruntime']},
           'events_per_s_model': first, 'models': summary,
           'timing': 'events/s from process CPU time, median over rounds, then median over reruns; *_wall from wall time; spreads are [min, max] over reruns',
           'settings': {'reruns': a.reruns, 'rounds': a.rounds, 'min_time_s': a.min_time, 'threads': 1, 'n_features': N_FEATURES,
                        'batches': list(BATCHES), 'torch': torch.__version__, 'onnxruntime': onnxruntime.__version__,
                        'heptorch': heptorch.__version__, 'cpu_count': os.cpu_count()},
           'runs': runs}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1))
    print(f"\nmedian over {a.reruns} runs (events/s, CPU time; [min, max] over runs):")
    for name, m in summary.items():
        for bs in map(str, BATCHES):
            print(f"{name:>8s} batch {bs:>6s}: torch {m['torch'][bs]:>12,.0f} [{m['torch_spread'][bs][0]:,.0f}, {m['torch_spread'][bs][1]:,.0f}]"
                  f"  onnxruntime {m['onnxruntime'][bs]:>12,.0f} [{m['onnxruntime_spread'][bs][0]:,.0f}, {m['onnxruntime_spread'][bs][1]:,.0f}]"
                  f"  ratio {m['ratio_onnxruntime_over_torch'][bs]:.2f} [{m['ratio_spread'][bs][0]:.2f}, {m['ratio_spread'][bs][1]:.2f}]")
    print(f"wrote {a.out}")

if __name__ == '__main__': main()
