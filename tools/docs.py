#!/usr/bin/env python
"""Offline docs build for heptorch: execute every notebook, process it with nbdev, render with smalldocs.

nbdev's own `nbdev_docs` needs Quarto, which cannot be installed offline. This script keeps nbdev's notebook
processing (show_doc, links, hidden cells, front matter) but replaces Quarto with two pure-Python steps:
each notebook is executed in full so that its outputs and plots are fresh, and `smalldocs` renders the
`_quarto.yml` project into HTML. The GitHub deploy workflow may still use Quarto via `nbdev_docs`.

    python tools/docs.py site     # README.md + the site in docs/
    python tools/docs.py readme   # README.md from nbs/index.ipynb only
"""
import argparse, os, shutil, subprocess, sys, time, json
# Notebooks run side by side (one per core): one BLAS/OpenMP thread each, or torch's threads fight over
# the cores and small models train many times slower. Must be set before anything imports torch.
os.environ.setdefault('OMP_NUM_THREADS', '1')
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastcore.basics import str2bool
from nbdev.config import get_config
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.process import NBProcessor
from nbdev import processors as P
from nbdev.frontmatter import FrontmatterProc

SKIP_DIRS = {'_proc', '_docs', '_site', '.ipynb_checkpoints'}


class exec_all(P.Processor):
    "Execute every code cell in one shell, keeping outputs (nbdev's `exec_show_docs` runs only some)"
    def begin(self):
        self.k = CaptureShell()
        self.k.run_cell('from nbdev.showdoc import show_doc')
        self.skip = str2bool(getattr(self.nb, 'frontmatter_', {}).get('skip_exec', False))
        self.skip_flags = set(get_config().tst_flags.split())

    def __call__(self, cell):
        if self.skip or cell.cell_type != 'code' or not cell.source.strip(): return
        if 'nbdev_export' + '(' in cell.source: return
        direc = getattr(cell, 'directives_', {}) or {}
        if direc.get('eval:', [''])[0].lower() == 'false': return
        if direc.keys() & self.skip_flags: return  # cells flagged like `#| slow`, skipped by the tests too
        self.k.cell(cell)
        if self.k.exc:
            raise RuntimeError(f"Error in cell {cell.idx_}:\n{cell.source}") from self.k.exc


def procs():
    "nbdev's default processors, with `exec_show_docs` replaced by `exec_all`"
    base = [FrontmatterProc, P.populate_language, P.add_show_docs, P.insert_warning, P.strip_ansi, P.hide_line,
            P.filter_stream_, P.rm_header_dash, P.clean_show_doc, exec_all, P.rm_export, P.ai_magics,
            P.clean_magics, P.hide_, P.add_links, P.add_fold, P.mv_exports, P.strip_hidden_metadata]
    return base


def proc_nb(args):
    "Execute and process notebook `src` into `dst`; return (name, seconds, error or None)"
    src, dst = (Path(o).absolute() for o in args)
    os.environ['IN_TEST'] = '1'
    root = str(get_config().config_path)
    if root not in sys.path: sys.path.insert(0, root)  # the exported package, as nbdev_test does
    os.environ.setdefault('MPLBACKEND', 'Agg')
    t0 = time.time()
    try:
        cwd = os.getcwd()
        os.chdir(src.parent)
        try:
            nb = read_nb(src)
            NBProcessor(nb=nb, procs=procs()).process()
        finally: os.chdir(cwd)
        dst.parent.mkdir(parents=True, exist_ok=True)
        write_nb(nb, dst)
        return str(src), time.time() - t0, None
    except Exception as e:
        cause = e.__cause__ or e
        return str(src), time.time() - t0, f"{e}\n{type(cause).__name__}: {cause}"


def _run_one(job):
    "Process one notebook in a fresh interpreter, so notebooks share no state"
    r = subprocess.run([sys.executable, __file__, '_one', *job], capture_output=True, text=True)
    try: return tuple(json.loads(r.stdout.strip().splitlines()[-1]))
    except Exception: return job[0], 0., f"worker crashed (exit {r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"


def _nb_files(nbs):
    for p in sorted(nbs.rglob('*')):
        rel = p.relative_to(nbs)
        if any(part in SKIP_DIRS or part.startswith('.') for part in rel.parts) or not p.is_file(): continue
        yield p, rel


def readme(cfg, proc_dir):
    "Write README.md from the processed index notebook: markdown cells, code and text outputs"
    nb = json.loads((proc_dir / cfg.readme_nb).read_text())
    out = []
    for c in nb['cells']:
        src = ''.join(c.get('source', ''))
        if c['cell_type'] == 'raw':  # nbdev's front matter: the title and description become the heading
            import yaml
            fm = yaml.safe_load(src.strip().strip('-')) or {} if src.strip().startswith('---') else {}
            if fm.get('title'): out.append(f"# {fm['title']}")
            if fm.get('description'): out.append(f"> {fm['description']}")
            continue
        if c['cell_type'] == 'markdown':
            if src.strip(): out.append(src.strip())
            continue
        lines = [l for l in src.splitlines() if not l.startswith('#|')]
        if not ''.join(lines).strip(): continue
        out.append('```python\n' + '\n'.join(lines).strip() + '\n```')
        text = []
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream': text.append(''.join(o['text']))
            elif 'text/plain' in o.get('data', {}) and 'image/png' not in o.get('data', {}): text.append(''.join(o['data']['text/plain']))
        if ''.join(text).strip(): out.append('    ' + ''.join(text).strip().replace('\n', '\n    '))
    (cfg.config_path / 'README.md').write_text('\n\n'.join(out) + '\n')
    print(f"wrote {cfg.config_path / 'README.md'}")


def rename_to_output_files(proc):
    "Name each processed notebook after its `output-file` (smalldocs ignores that key) and fix the sidebar"
    import re, yaml
    moves = {}
    for p in sorted(proc.rglob('*.ipynb')):
        cells = json.loads(p.read_text())['cells']
        head = ''.join(cells[0]['source']) if cells and cells[0]['cell_type'] == 'raw' else ''
        m = re.search(r'^output-file:\s*(\S+)\.html\s*$', head, re.M)
        if m and m.group(1) != p.stem:
            new = p.with_name(m.group(1) + '.ipynb')
            if new.exists(): sys.exit(f"Two notebooks render to {new.name}: {p.name} and {new.name}")
            p.rename(new)
            moves[str(p.relative_to(proc))] = str(new.relative_to(proc))
    sb = proc / 'sidebar.yml'
    if sb.exists():
        txt = sb.read_text()
        for old, new in moves.items(): txt = re.sub(rf'(?<=[\s/]){re.escape(old)}$', new, txt, flags=re.M)  # '- 00_core.ipynb'
        sb.write_text(txt)


SECTIONS = [(0, 3, 'Foundations'), (3, 10, 'Training loop'), (10, 15, 'Statistics'), (15, 20, 'INFERNO'),
            (20, 30, 'Learning to pivot'), (30, 40, 'TabNet and HIGGS'), (40, 50, 'Tuning'), (50, 60, 'Interpretation'),
            (60, 65, 'Sets'), (65, 70, 'Jet tagging'), (70, 80, 'Jet-parton assignment (SPANet)'), (80, 90, 'Sharing models'),
            (90, 100, 'Command line')]


def write_sidebar(nbs):
    "sidebar.yml grouped by notebook number (00-02 foundations, 03-09 training, ...), then tutorials and the blog"
    import re, yaml
    groups = {name: [] for *_, name in SECTIONS}
    for p in sorted(nbs.glob('[0-9]*.ipynb')):
        n = int(re.match(r'(\d+)', p.name).group(1))
        groups[next(name for lo, hi, name in SECTIONS if lo <= n < hi)].append(p.name)
    contents = ['index.ipynb'] + [{'section': k, 'contents': v} for k, v in groups.items() if v]
    tuts = sorted(str(p.relative_to(nbs)) for p in (nbs / 'tutorials').glob('*.ipynb')) if (nbs / 'tutorials').exists() else []
    if tuts: contents.append({'section': 'Tutorials', 'contents': tuts})
    if (nbs / 'blog' / 'index.qmd').exists(): contents.append({'text': 'Blog', 'href': 'blog/index.qmd'})
    (nbs / 'sidebar.yml').write_text(yaml.safe_dump({'website': {'sidebar': {'contents': contents}}}, sort_keys=False, allow_unicode=True))


KATEX_CDN = 'https://cdn.jsdelivr.net/npm/katex@0.16.11/dist/'


def vendor_katex(site):
    "Serve KaTeX (which smalldocs loads from a CDN) from the site itself, so maths renders offline; npm fetches it"
    import tarfile, tempfile
    pages = [p for p in site.rglob('*.html') if KATEX_CDN in p.read_text()]
    if not pages: return
    dest = site / 'site_libs' / 'katex'
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(['npm', 'pack', 'katex@0.16.11', '--silent'], cwd=tmp, capture_output=True, text=True)
        tgz = list(Path(tmp).glob('katex-*.tgz'))
        if r.returncode or not tgz:
            return print(f"warning: could not fetch KaTeX with npm ({r.stderr.strip()[-200:]}); maths needs the CDN to render")
        with tarfile.open(tgz[0]) as t: t.extractall(tmp, filter='data')
        dist = Path(tmp) / 'package' / 'dist'
        dest.mkdir(parents=True, exist_ok=True)
        for f in ['katex.min.js', 'katex.min.css']: shutil.copy2(dist / f, dest / f)
        (dest / 'contrib').mkdir(exist_ok=True)
        shutil.copy2(dist / 'contrib' / 'auto-render.min.js', dest / 'contrib' / 'auto-render.min.js')
        shutil.copytree(dist / 'fonts', dest / 'fonts', dirs_exist_ok=True)
    for p in pages:
        rel = os.path.relpath(dest, p.parent).replace(os.sep, '/') + '/'
        p.write_text(p.read_text().replace(KATEX_CDN, rel))
    print(f"KaTeX served from {dest.relative_to(site.parent)} for {len(pages)} pages")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    if sys.argv[1:2] == ['_one']: return print(json.dumps(proc_nb(sys.argv[2:4])))
    ap.add_argument('what', choices=['site', 'readme'])
    ap.add_argument('--n_workers', type=int, default=2)
    a = ap.parse_args()
    cfg = get_config()
    nbs, proc = cfg.nbs_path, cfg.config_path / '_proc'
    from nbdev.quarto import refresh_quarto_yml
    import nbdev.doclinks
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    write_sidebar(nbs)
    shutil.rmtree(proc, ignore_errors=True)
    jobs = []
    for p, rel in _nb_files(nbs):
        if a.what == 'readme' and rel != Path(cfg.readme_nb): continue
        if p.suffix == '.ipynb': jobs.append((str(p), str(proc / rel)))
        elif a.what == 'site':
            (proc / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, proc / rel)
    t0 = time.time()
    with ThreadPoolExecutor(a.n_workers) as ex: results = list(ex.map(_run_one, jobs))
    failed = [r for r in results if r[2]]
    for name, secs, err in results: print(f"  {'FAILED' if err else 'ok':6s} {secs:6.1f}s  {Path(name).relative_to(nbs)}")
    for name, _, err in failed: print(f"\n=== {name} failed to render:\n{err}", file=sys.stderr)
    print(f"pages: {len(results) - len(failed)} rendered, {len(failed)} failed ({time.time() - t0:.0f}s)")
    if failed: sys.exit(1)
    readme(cfg, proc)
    if a.what == 'readme': return
    rename_to_output_files(proc)
    r = subprocess.run([str(Path(sys.executable).parent / 'smalldocs'), 'render', str(proc)], capture_output=True, text=True)
    print((r.stdout + r.stderr)[-3000:])
    if r.returncode: sys.exit(f"smalldocs render failed with exit code {r.returncode}")
    broken = [l for l in (r.stdout + r.stderr).splitlines() if 'broken link' in l]
    if broken: sys.exit("Broken links in the site:\n" + '\n'.join(broken))
    out = proc / cfg.doc_path.name
    keep = cfg.doc_path / 'README.md'
    note = keep.read_text() if keep.exists() else None
    shutil.rmtree(cfg.doc_path, ignore_errors=True)
    shutil.copytree(out, cfg.doc_path)
    if note is not None: keep.write_text(note)
    vendor_katex(cfg.doc_path)
    pages = sorted(p.name for p in cfg.doc_path.rglob('*.html'))
    print(f"site: {len(pages)} pages in {cfg.doc_path}: {', '.join(pages)}")


if __name__ == '__main__': main()
