#!/usr/bin/env python
"""tune_race and tune_grid as Ray tasks on an existing local Ray cluster (a head started with `ray start`, 2 CPUs), against the serial run.

Starts `ray start --head --num-cpus 2` (two worker processes), connects with `ray.init(address=...)` as a user would to a
cluster, warms the workers up (their start-up and imports are timed separately), runs the racing test problem of `heptorch.tune.race` (20 candidates, 10 folds, seeded noise) and a small grid with
`backend='ray'`, each fit a task with its own resource request, and checks the tables equal the serial ones. Then stops the head.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/bench_ray.py   (needs ray: `make bench-ray` makes its venv)
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
from heptorch.tune.space import Real, Int, grid_max_entropy
from heptorch.tune.resample import vfold
from heptorch.tune.race import tune_race, tune_grid

def toy_fit_eval(params, train_idx, valid_idx, seed=None):
    "The known-quality stand-in of the race notebook, plus `work_s` of sleep to stand for training"
    time.sleep(params.get('work_s', 0.0))
    quality = 0.85 - 0.04 * (np.log10(params['lr']) + 2)**2 - 0.0005 * (params['width'] - 32)**2 / 10
    return quality + 0.03 * np.sin(7.3 * valid_idx[0]) + np.random.default_rng(seed).normal(0, 0.004)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--port', type=int, default=6391); ap.add_argument('--work_s', type=float, default=0.2)
    ap.add_argument('--out', default='experiments/results/bench_ray.json')
    a = ap.parse_args()
    import ray
    ray_bin = str(Path(sys.executable).with_name('ray'))
    env = {**os.environ, 'RAY_USAGE_STATS_ENABLED': '0'}
    subprocess.run([ray_bin, 'start', '--head', '--num-cpus', '2', '--port', str(a.port), '--include-dashboard', 'false', '--disable-usage-stats'],
                   check=True, env=env, capture_output=True)
    try:
        ray.init(address=f'127.0.0.1:{a.port}', log_to_driver=False)
        space = {'lr': Real(1e-4, 1e-0, log=True), 'width': Int(8, 64)}
        grid = grid_max_entropy(space, 20, seed=0).assign(work_s=a.work_s)
        folds = vfold(1000, 10, seed=0)
        cols = ['candidate', 'resample', 'seed', 'metric']
        out = {'ray_version': ray.__version__, 'cluster_cpus': ray.cluster_resources().get('CPU')}
        t0 = time.perf_counter(); tune_grid(toy_fit_eval, grid.iloc[:2], folds[:2], backend='ray')   # warm-up: workers start, import heptorch
        out['warmup_s'] = time.perf_counter() - t0
        print(f"warm-up (worker start-up): {out['warmup_s']:.1f} s", flush=True)
        for name, f in [('race', lambda **k: tune_race(toy_fit_eval, grid, folds, num_ties=None, **k)),
                        ('grid', lambda **k: tune_grid(toy_fit_eval, grid.iloc[:6], folds[:4], **k))]:
            t0 = time.perf_counter(); serial = f(); t_serial = time.perf_counter() - t0
            t0 = time.perf_counter(); par = f(backend='ray', resources={'num_cpus': 1}); t_ray = time.perf_counter() - t0
            same = serial.results[cols].equals(par.results[cols])
            out[name] = {'fits': serial.n_fits, 'serial_s': t_serial, 'ray_s': t_ray, 'identical': bool(same), 'speedup': t_serial / t_ray}
            print(f"{name}: {serial.n_fits} fits, serial {t_serial:.1f} s, Ray (2 CPUs) {t_ray:.1f} s, speed-up {t_serial / t_ray:.2f}, identical tables: {same}", flush=True)
        t0 = time.perf_counter(); one = tune_grid(toy_fit_eval, grid.iloc[:6], folds[:4], backend='ray', resources={'num_cpus': 2}); t_one = time.perf_counter() - t0
        out['grid_2cpu_per_fit'] = {'ray_s': t_one, 'identical': bool(one.results[cols].equals(par.results[cols]))}
        print(f"grid with 2 CPUs per fit (one fit at a time): {t_one:.1f} s, identical: {out['grid_2cpu_per_fit']['identical']}")
        ray.shutdown()
    finally:
        subprocess.run([ray_bin, 'stop', '--force'], env=env, capture_output=True)
    Path(a.out).write_text(json.dumps(out, indent=1))
    ok = all(out[k]['identical'] for k in ('race', 'grid', 'grid_2cpu_per_fit'))
    print(f"ray_identical={ok}")
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
