#!/usr/bin/env python
"""Run every notebook as a test with nbdev's `test_nb` (the engine of `nbdev_test`), in parallel, and end
with one line `notebooks: N passed, M failed`. Exits 1 if any notebook fails.

    python tools/run_tests.py [--n_workers 2] [--path nbs/03_learner.ipynb] [--flags slow]
"""
import argparse, os, sys, time
# Notebooks run side by side (one per core): one BLAS/OpenMP thread each, or torch's threads fight over
# the cores and small models train many times slower. Must be set before anything imports torch.
os.environ.setdefault('OMP_NUM_THREADS', '1')
from pathlib import Path
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb, _keep_file


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n_workers', type=int, default=2)
    ap.add_argument('--path', default=None, help='a notebook or folder; default: all of nbs/')
    ap.add_argument('--flags', default='', help='space-separated test flags to run that are normally skipped')
    a = ap.parse_args()
    cfg = get_config()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    files = nbglob(a.path, as_path=True)
    files = [f.absolute() for f in sorted(files) if _keep_file(f, '.notest')]
    if not files: sys.exit("No notebooks found to test")
    skip = cfg.tst_flags.split()
    t0 = time.time()
    os.chdir(cfg.nbs_path)
    res = parallel(test_nb, files, skip_flags=skip, force_flags=a.flags.split(), n_workers=a.n_workers,
                   basepath=cfg.config_path, pause=0.01)
    passed = [ok for ok, _ in res]
    for f, (ok, secs) in zip(files, res): print(f"  {'ok' if ok else 'FAILED':6s} {secs:6.1f}s  {f.relative_to(cfg.nbs_path)}")
    n_fail = passed.count(False)
    print(f"total {time.time() - t0:.0f}s")
    print(f"notebooks: {len(files) - n_fail} passed, {n_fail} failed")
    if n_fail: sys.exit(1)


if __name__ == '__main__': main()
