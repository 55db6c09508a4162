#!/usr/bin/env python
"""Check that the notebooks are clean (as `nbdev_clean` leaves them) and that `heptorch/` is what
`nbdev_export` makes of them. Works on a copy, so it changes nothing and needs no git; exits 1 on a mismatch."""
import filecmp, shutil, subprocess, sys, tempfile
from pathlib import Path
from nbdev.config import get_config


def _diff_trees(a, b):
    "Relative paths of files that differ between trees `a` and `b` (ignoring caches)"
    out = []
    def walk(c, rel=''):
        out.extend(f"{rel}{n}" for n in c.diff_files + c.left_only + c.right_only if n != '__pycache__')
        for n, sub in c.subdirs.items():
            if n != '__pycache__': walk(sub, f"{rel}{n}/")
    walk(filecmp.dircmp(a, b))
    return out


def main():
    cfg = get_config()
    root, nbs, lib = cfg.config_path, cfg.nbs_path, cfg.lib_path
    bad = False
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for f in ['settings.ini', 'setup.py']: shutil.copy2(root / f, tmp / f)
        shutil.copytree(nbs, tmp / nbs.name, ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_proc'))
        shutil.copytree(lib, tmp / lib.name, ignore=shutil.ignore_patterns('__pycache__'))
        bin_ = Path(sys.executable).parent
        subprocess.run([bin_ / 'nbdev_clean'], cwd=tmp, check=True)
        unclean = [p for p in _diff_trees(nbs, tmp / nbs.name) if p.endswith('.ipynb')]
        if unclean:
            bad = True
            print("Notebooks not clean (run `make export`, which runs nbdev_clean):\n  " + '\n  '.join(unclean))
        subprocess.run([bin_ / 'nbdev_export'], cwd=tmp, check=True)
        stale = _diff_trees(lib, tmp / lib.name)
        if stale:
            bad = True
            print(f"{lib.name}/ is out of sync with the notebooks (run `make export`; never edit {lib.name}/ by hand):\n  " + '\n  '.join(stale))
    if bad: sys.exit(1)
    print("notebooks clean and export in sync")


if __name__ == '__main__': main()
