#!/usr/bin/env python
"""Install a built heptorch wheel into a fresh virtual environment and check it as a user would get it:
the wheel holds the package only (no notebooks, experiments or data), `pip check` is clean, and every module
imports — or, for a module that needs an optional extra, fails with an ImportError that names the extra.

    python tools/check_wheel.py [--torch torch==2.13.0] [--torch-pip "--index-url ..."] dist/heptorch-*.whl
"""
import argparse, shlex, subprocess, sys, tempfile, time, venv, zipfile
from pathlib import Path

FORBIDDEN = ('.ipynb', '.h5', '.hdf5', '.npz', '.npy', '.csv', '.gz', '.root', '.parquet', '.png', '.onnx', '.safetensors')

IMPORT_ALL = r'''
import importlib, json, pkgutil, sys, heptorch
res = {}
for m in pkgutil.walk_packages(heptorch.__path__, 'heptorch.'):
    try: importlib.import_module(m.name); res[m.name] = 'ok'
    except ImportError as e: res[m.name] = 'extra' if 'heptorch[' in str(e) else f'ImportError: {e}'
    except Exception as e: res[m.name] = f'{type(e).__name__}: {e}'
print(json.dumps(res))
'''

def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode: sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    return r.stdout

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('wheel'); ap.add_argument('--torch', default='torch==2.13.0'); ap.add_argument('--torch-pip', default='')
    a = ap.parse_args()
    whl = Path(a.wheel)
    names = zipfile.ZipFile(whl).namelist()
    bad = [n for n in names if n.endswith(FORBIDDEN) or n.startswith(('nbs/', 'experiments/', 'docs/', 'tools/'))]
    if bad: sys.exit(f"the wheel holds files that are not the package: {bad[:10]}")
    t0 = time.time()
    with tempfile.TemporaryDirectory() as d:
        venv.create(d, with_pip=True)
        py = str(Path(d) / 'bin' / 'python')
        run([py, '-m', 'pip', 'install', '-q', *shlex.split(a.torch_pip), a.torch])
        run([py, '-m', 'pip', 'install', '-q', str(whl)])
        print(run([py, '-m', 'pip', 'check']).strip())
        res = __import__('json').loads(run([py, '-c', IMPORT_ALL], cwd=d).strip().splitlines()[-1])
    failed = {k: v for k, v in res.items() if v not in ('ok', 'extra')}
    extras = sorted(k for k, v in res.items() if v == 'extra')
    print(f"wheel {whl.name}: {len(names)} files, no notebooks or data; {sum(v == 'ok' for v in res.values())} modules import, "
          f"{len(extras)} need an extra and say so ({', '.join(extras)}); {time.time() - t0:.0f}s")
    if failed: sys.exit("modules that fail to import from the wheel:\n" + '\n'.join(f"  {k}: {v}" for k, v in failed.items()))

if __name__ == '__main__': main()
