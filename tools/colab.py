#!/usr/bin/env python
"""Make every tutorial and blog notebook Colab-ready, or check that it is.

    python tools/colab.py check [PATHS...]   # exit 1, naming each notebook without a correct badge/setup cell
    python tools/colab.py fix   [PATHS...]   # insert or update the badge and the setup cell, in place

Default PATHS: nbs/tutorials/*.ipynb and nbs/blog/posts/*/index.ipynb. A Colab-ready notebook has, right after
its title (the front-matter cell, or the `# Title` markdown cell), a markdown cell with the "Open in Colab"
badge linking to that very notebook on GitHub, and then, as its first code cell, a setup cell that on Colab
only (`'google.colab' in sys.modules`) pip-installs heptorch from GitHub with the extras the notebook needs and
fetches its real data when it reads one of the data variables in `DATA` (never when the user has set it).
The extras are derived from the notebook's imports, followed through the heptorch modules it imports, and
matched against the `extra_*_requirements` of settings.ini; a third-party package in no extra (and not in
heptorch's requirements) is installed by name. `check` compares every notebook with what `fix` would write,
so a notebook whose imports changed is reported until `fix` is run again. `check` also reports code that pins
the device (`device='cpu'`), which would keep a Colab GPU idle.
"""
import ast, configparser, json, re, subprocess, sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = '# Colab setup (written by tools/colab.py fix; do not edit by hand)'
BADGE_IMG = 'https://colab.research.google.com/assets/colab-badge.svg'
# Real data a notebook may read: environment variable -> (file name on Colab, address). The setup cell
# fetches the file only on Colab and only when the variable is unset, then sets the variable.
DATA = {
    'HIGGS_PATH': ('HIGGS.csv.gz', 'https://archive.ics.uci.edu/ml/machine-learning-databases/00280/HIGGS.csv.gz'),
    'HIGGSML_PATH': ('atlas-higgs-challenge-2014-v2.csv.gz',
                     'https://opendata.cern.ch/record/328/files/atlas-higgs-challenge-2014-v2.csv.gz'),
}
# Modules whose import name differs from their distribution name, when importlib cannot tell (not installed)
IMPORT_TO_DIST = {'sklearn': 'scikit-learn', 'yaml': 'pyyaml', 'ray': 'ray', 'cv2': 'opencv-python'}
PINNED = re.compile(r"""device\s*=\s*['"]cpu['"]""")


def _cfg():
    c = configparser.ConfigParser()
    c.read(ROOT / 'settings.ini')
    return c['DEFAULT']


def _req_name(r): return re.split(r'[<>=!~\[ ;@]', r.strip(), maxsplit=1)[0].lower().replace('_', '-')


def _extras(cfg):
    "extra name -> set of distribution names, from settings.ini's `extra_<name>_requirements`"
    return {k[len('extra_'):-len('_requirements')]: {_req_name(r) for r in v.split()}
            for k, v in cfg.items() if k.startswith('extra_') and k.endswith('_requirements')}


def _parse(code):
    "AST of `code`, with IPython magics and shell lines dropped; None on a syntax error"
    lines = [l for l in code.splitlines() if not l.lstrip().startswith(('%', '!'))]
    try: return ast.parse('\n'.join(lines))
    except SyntaxError: return None


def _import_names(node, pkg=None):
    "Modules imported by the import statement `node` (relative ones resolved against package `pkg`)"
    if isinstance(node, ast.Import): return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if not node.level: return [node.module] if node.module else []
        if pkg is None: return []
        base = pkg.split('.')[:len(pkg.split('.')) - (node.level - 1)]
        if node.module: return ['.'.join(base + [node.module])]
        return ['.'.join(base + [a.name]) for a in node.names]  # `from . import x`: x may be a module
    return []


def _names(tree):
    "Identifiers a piece of code refers to (names and attribute names)"
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}


def _imports(code):
    "Modules imported anywhere in `code` (a notebook's cells)"
    tree = _parse(code)
    return {m for n in ast.walk(tree) for m in _import_names(n)} if tree else set()


def _heptorch_file(mod):
    p = ROOT.joinpath(*mod.split('.'))
    if p.with_suffix('.py').exists(): return p.with_suffix('.py')
    if (p / '__init__.py').exists(): return p / '__init__.py'


def _third_party(mods, lib, used=()):
    """Third-party top-level names needed by code importing `mods` and referring to the identifiers `used`.
    Inside the package `lib`, imports at module level always count (also inside a module-level `try`); an import
    inside a function or method counts only when that function is used (its name appears in `used`, or in a
    function already counted), so optional backends (`backend='ray'`) are not pulled in by every user."""
    used, seen, todo, out, funcs = set(used), set(), list(mods), set(), []
    while todo:
        m = todo.pop()
        if m in seen: continue
        seen.add(m)
        top = m.split('.')[0]
        if top != lib:
            if top not in sys.stdlib_module_names and top != '__future__': out.add(top)
            continue
        f = _heptorch_file(m)
        tree = _parse(f.read_text()) if f else None
        if tree is None: continue
        pkg = m if f.name == '__init__.py' else m.rpartition('.')[0]
        def visit(node, in_func):
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    funcs.append((ch, pkg)); continue
                if not in_func: todo.extend(_import_names(ch, pkg))
                visit(ch, in_func)
        visit(tree, False)
    done = set()
    changed = True
    while changed:
        changed = False
        for fn, pkg in funcs:
            if id(fn) in done or fn.name not in used or (fn.name.startswith('__') and fn.name.endswith('__')): continue
            done.add(id(fn)); changed = True
            used |= _names(fn)
            for n in ast.walk(fn):
                for m in _import_names(n, pkg):
                    top = m.split('.')[0]
                    if top != lib and top not in sys.stdlib_module_names: out.add(top)
    return out


def _dist(mod):
    dists = metadata.packages_distributions().get(mod)
    return (dists[0] if dists else IMPORT_TO_DIST.get(mod, mod)).lower().replace('_', '-')


def needs(nb, cfg=None):
    "(extras, extra packages, data variables) that notebook `nb` (a dict) needs on Colab"
    cfg = cfg or _cfg()
    lib = cfg['lib_name']
    code = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code' and MARK not in ''.join(c['source'])]
    mods = set().union(*(_imports(c) for c in code)) if code else set()
    used = set().union(*(_names(t) for t in map(_parse, code) if t)) if code else set()
    base = {_req_name(r) for r in cfg.get('requirements', '').split()}
    extras, pkgs = set(), set()
    ex = _extras(cfg)
    for m in sorted(_third_party(mods, lib, used)):
        d = _dist(m)
        if d in base or d == lib: continue
        hit = sorted((k for k, v in ex.items() if d in v), key=lambda k: (k != m, len(ex[k]), k))
        if hit: extras.add(hit[0])
        else: pkgs.add(d)
    text = '\n'.join(code)
    data = [v for v in DATA if v in text]
    return sorted(extras), sorted(pkgs), data


def colab_url(path, cfg=None):
    cfg = cfg or _cfg()
    repo = cfg['git_url'].rstrip('/').replace('https://github.com/', '')
    rel = Path(path).resolve().relative_to(ROOT).as_posix()
    return f"https://colab.research.google.com/github/{repo}/blob/{cfg.get('branch', 'main')}/{rel}"


def badge_source(path, cfg=None):
    return f"[![Open In Colab]({BADGE_IMG})]({colab_url(path, cfg)})"


def setup_source(nb, cfg=None):
    "The first code cell: on Colab only, install heptorch with the notebook's extras and fetch its data"
    cfg = cfg or _cfg()
    extras, pkgs, data = needs(nb, cfg)
    spec = cfg['lib_name'] + (f"[{','.join(extras)}]" if extras else '') + f" @ git+{cfg['git_url']}@{cfg.get('branch', 'main')}"
    args = ', '.join(repr(a) for a in [spec, *pkgs])
    lines = ['#| hide', MARK,
             '# On Colab only: install heptorch' + (f" with the extras {', '.join(extras)}" if extras else '')
             + (f" (and {', '.join(pkgs)})" if pkgs else '')
             + (' and fetch the real data unless its variable is already set' if data else '') + '. Elsewhere this does nothing.',
             'import os, sys',
             "if 'google.colab' in sys.modules:",
             '    import subprocess',
             f"    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', {args}], check=True)"]
    for v in data:
        fname, url = DATA[v]
        lines += [f"    if not os.environ.get({v!r}):  # never override a path the user set",
                  f"        import urllib.request",
                  f"        dest = '/content/{fname}'",
                  f"        if not os.path.exists(dest): urllib.request.urlretrieve({url!r}, dest)",
                  f"        os.environ[{v!r}] = dest"]
    return '\n'.join(lines)


def _src(c): return ''.join(c['source'])


def _lines(text):
    ls = text.split('\n')
    return [l + '\n' for l in ls[:-1]] + ([ls[-1]] if ls[-1] else [])


def _title_idx(nb):
    "Index of the cell that holds the title (front matter or `# Title`), or -1"
    for i, c in enumerate(nb['cells'][:3]):
        s = _src(c).lstrip()
        if c['cell_type'] in ('raw', 'markdown') and s.startswith('---'): return i
        if c['cell_type'] == 'markdown' and re.match(r'#\s+\S', s): return i
        if c['cell_type'] == 'markdown' and BADGE_IMG not in s: return -1
    return -1


def _is_old_setup(c):
    "A hand-written Colab install cell from before this tool"
    s = _src(c)
    return c['cell_type'] == 'code' and 'pip' in s and ("'/content'" in s or 'google.colab' in s) and len(s) < 600


def problems(path, nb=None, cfg=None):
    "What is wrong with notebook `path` (a list of messages, empty when it is Colab-ready)"
    cfg = cfg or _cfg()
    nb = nb or json.loads(Path(path).read_text())
    cells, out = nb['cells'], []
    t = _title_idx(nb)
    want_badge, want_setup = badge_source(path, cfg), setup_source(nb, cfg)
    badge = cells[t + 1] if t + 1 < len(cells) else None
    if badge is None or badge['cell_type'] != 'markdown' or BADGE_IMG not in _src(badge):
        out.append('no "Open in Colab" badge right after the title')
    elif _src(badge).strip() != want_badge:
        m = re.search(r'\]\((https://colab[^)]*)\)\s*$', _src(badge).strip())
        out.append(f"badge links to {m.group(1) if m else _src(badge).strip()!r}, not {colab_url(path, cfg)}")
    code = [c for c in cells if c['cell_type'] == 'code']
    if not code or MARK not in _src(code[0]): out.append('first code cell is not the Colab setup cell')
    elif _src(code[0]).strip() != want_setup.strip(): out.append('Colab setup cell is stale (extras or data changed)')
    for i, c in enumerate(cells):
        if c['cell_type'] == 'code' and PINNED.search(_src(c)):
            out.append(f"cell {i} pins device='cpu' (let heptorch pick the device at call time)")
    if sum(_is_old_setup(c) and MARK not in _src(c) for c in cells):
        out.append('an old hand-written Colab install cell is still there')
    return out


def fix(path, cfg=None):
    "Insert or update the badge and the setup cell of notebook `path` (keeping cell ids); return True if it changed"
    cfg = cfg or _cfg()
    path = Path(path)
    nb = json.loads(path.read_text())
    if not problems(path, nb, cfg): return False
    cells = nb['cells']
    old_badge = next((c for c in cells if c['cell_type'] == 'markdown' and BADGE_IMG in _src(c)), {})
    old_setup = next((c for c in cells if c['cell_type'] == 'code' and MARK in _src(c)), {})
    cells[:] = [c for c in cells if not (_is_old_setup(c) or c is old_setup or c is old_badge)]
    t = _title_idx(nb)
    badge = {'cell_type': 'markdown', **({'id': old_badge['id']} if 'id' in old_badge else {}), 'metadata': {},
             'source': _lines(badge_source(path, cfg))}
    setup = {'cell_type': 'code', 'execution_count': None, **({'id': old_setup['id']} if 'id' in old_setup else {}),
             'metadata': {}, 'outputs': [], 'source': _lines(setup_source(nb, cfg))}
    cells[t + 1:t + 1] = [badge, setup]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    clean = Path(sys.executable).parent / 'nbdev_clean'  # leave the notebook as `make export` would
    if clean.exists(): subprocess.run([str(clean), '--fname', str(path)], cwd=ROOT, check=True, capture_output=True)
    return True


def default_paths():
    nbs = ROOT / 'nbs'
    return sorted(nbs.glob('tutorials/*.ipynb')) + sorted(nbs.glob('blog/posts/*/index.ipynb'))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ('check', 'fix'): sys.exit(__doc__)
    paths = [Path(p).resolve() for p in argv[1:]] or default_paths()
    cfg = _cfg()
    bad = 0
    for p in paths:
        if argv[0] == 'fix':
            changed = fix(p, cfg)
            rest = problems(p, cfg=cfg)
            print(f"{'fixed' if changed else 'ok':6s} {p.relative_to(ROOT)}" + (f"  (still: {'; '.join(rest)})" if rest else ''))
            bad += bool(rest)
        else:
            msgs = problems(p, cfg=cfg)
            for m in msgs: print(f"COLAB {p.relative_to(ROOT)}: {m}")
            bad += bool(msgs)
    print(f"colab: {len(paths)} notebooks checked, {bad} not Colab-ready" + (" (run `python tools/colab.py fix`)" if bad and argv[0] == 'check' else ''))
    if bad: sys.exit(1)


if __name__ == '__main__': main()
