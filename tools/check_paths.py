#!/usr/bin/env python
"""Fail if a file of the repository holds an absolute path of one machine (a home, a scratch or temp folder,
this workspace's root...). Scripts find their files relative to the repository, peers' venvs live in the
git-ignored `.bench/` that `make bench` creates, and results record relative paths.

    python tools/check_paths.py [files...]     # default: every file git tracks or would track
"""
import re, subprocess, sys
from pathlib import Path

# an absolute path starting a token (not inside a URL or a relative path) under a machine-specific root
PATTERN = re.compile(r'(?<![\w.:/~-])(/(?:work|root|home|Users|tmp|mnt|scratch|private/var|opt/pypi[\w-]*)/[\w.-]+|[A-Z]:\\\\?Users\\)')
SKIP_SUFFIXES = {'.png', '.jpg', '.jpeg', '.gif', '.svg', '.h5', '.npz', '.npy', '.gz', '.root', '.parquet', '.onnx', '.safetensors', '.pt', '.whl', '.ico', '.woff', '.woff2', '.ttf'}
ALLOWED = {'tools/check_paths.py'}   # this file names the patterns

def repo_files():
    out = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'], capture_output=True, text=True, check=True)
    return [Path(p) for p in out.stdout.splitlines()]

def hits(path: Path):
    if path.suffix.lower() in SKIP_SUFFIXES or str(path) in ALLOWED or not path.is_file(): return []
    try: text = path.read_text(encoding='utf-8')
    except (UnicodeDecodeError, OSError): return []
    return [(i, m.group(1)) for i, line in enumerate(text.splitlines(), 1) for m in PATTERN.finditer(line)]

def main(argv):
    files = [Path(a) for a in argv] or repo_files()
    bad = [(f, i, s) for f in files for i, s in hits(f)]
    for f, i, s in bad: print(f"{f}:{i}: absolute path of one machine: {s}")
    if bad: sys.exit(f"{len(bad)} absolute path(s) found: make them relative to the repository (or take them as arguments)")
    print(f"no absolute machine paths in {len(files)} files")

if __name__ == '__main__': main(sys.argv[1:])
