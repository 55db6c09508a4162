#!/usr/bin/env python
"""Check the rendered site in a real browser (headless Chromium, driven by Selenium through Debian's chromedriver).

    python tools/check_site.py [--site docs] [--proc _proc] [--only PATTERN]

Serves the site on a local port, loads every page in one browser session and fails on: a JavaScript error, a
same-site image that does not load, unrendered maths (KaTeX errors, or `$...$` left in the text), a broken
internal link or anchor, a page without its sidebar, fewer code outputs than the executed notebook has
(`_proc/`, written by tools/docs.py), and search not finding the page from its own title. Prints one line per
failure and `pages: N checked, M failed`; exits 1 on any failure. Images on other sites (the Colab badge) are
not fetched: the check runs offline. Needs `chromium` and `chromium-driver` (Debian) and `selenium` (pip).
"""
import argparse, functools, http.server, json, re, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import urlparse, unquote

ROOT = Path(__file__).resolve().parent.parent

# Collected on every page once it has loaded and KaTeX has run
PAGE_JS = r"""
const skip = 'code, pre, script, style, textarea, .katex, .katex-display, .sourceCode, .cell-output';
const raw = [];
const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
const pat = /\$\$[^$]+\$\$|(^|[^\\\w$])\$(?![\s\d])[^$\n]{1,200}?[^\s\\$]\$(?!\w)/;
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (n.parentElement && n.parentElement.closest(skip)) continue;
  const m = n.textContent.match(pat);
  if (m) raw.push(m[0].trim().slice(0, 60));
}
const sb = document.querySelector('#quarto-sidebar, nav.sidebar, .sidebar');
return {
  title: (document.querySelector('h1.title') || document.querySelector('h1') || {}).textContent || document.title,
  imgs: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
  katex: [...document.querySelectorAll('.katex-error')].map(e => (e.getAttribute('title') || e.textContent).slice(0, 80)),
  katexLoaded: typeof katex !== 'undefined',
  raw: raw,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
  sidebarLinks: sb ? sb.querySelectorAll('a[href]').length : 0,
  outputs: [...document.querySelectorAll('.cell')].filter(c => c.querySelector('.cell-output')).length,
  search: !!document.querySelector('.smalldocs-search input'),
};
"""

SEARCH_JS = r"""
const [q, done] = [arguments[0], arguments[arguments.length - 1]];
const box = [...document.querySelectorAll('.smalldocs-search')][0];
if (!box) return done(null);
const input = box.querySelector('input'), res = box.querySelector('.smalldocs-search-results');
input.value = q; input.dispatchEvent(new Event('input', {bubbles: true}));
let t = 0;
const poll = () => {
  const hits = [...res.querySelectorAll('a.search-result')].map(a => a.href);
  if (hits.length || res.querySelector('.search-none') || t > 40) return done(hits);
  t++; setTimeout(poll, 50);
};
setTimeout(poll, 50);
"""


def expected_outputs(proc, rel):
    "Number of code cells with outputs in the executed, processed notebook that renders to page `rel`"
    nb = proc / Path(rel).with_suffix('.ipynb')
    if not nb.exists(): return None
    cells = json.loads(nb.read_text())['cells']
    return sum(1 for c in cells if c['cell_type'] == 'code' and any(o.get('output_type') for o in c.get('outputs', [])))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a, **k): pass


def serve(site):
    handler = functools.partial(_Quiet, directory=str(site))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,1000']: opts.add_argument(a)
    opts.binary_location = shutil.which('chromium') or shutil.which('chromium-browser') or '/usr/bin/chromium'
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    drv = shutil.which('chromedriver') or '/usr/bin/chromedriver'
    d = webdriver.Chrome(options=opts, service=Service(executable_path=drv))  # Debian's driver: no download
    d.set_script_timeout(10)
    d.set_page_load_timeout(30)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default=str(ROOT / 'docs'))
    ap.add_argument('--proc', default=str(ROOT / '_proc'))
    ap.add_argument('--only', default=None, help='check only pages whose path contains this')
    a = ap.parse_args()
    site, proc = Path(a.site), Path(a.proc)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html') if 'site_libs' not in p.parts)
    if a.only: pages = [p for p in pages if a.only in p]
    if not pages: sys.exit(f"No pages in {site}: run `make docs` first")
    t0 = time.time()
    srv, base = serve(site)
    d = browser()
    fails, info, external = {}, {}, set()
    def fail(page, msg): fails.setdefault(page, []).append(msg)
    try:
        for rel in pages:
            d.get(base + rel)
            for _ in range(40):  # KaTeX's auto-render runs on load; give deferred scripts a moment
                if d.execute_script("return document.readyState") == 'complete': break
                time.sleep(0.05)
            time.sleep(0.1)
            r = d.execute_script(PAGE_JS)
            info[rel] = r
            for e in d.get_log('browser'):
                if e['level'] != 'SEVERE': continue
                m = e['message']
                if 'Failed to load resource' in m and not m.startswith(base):  # another site, unreachable offline
                    external.add(m.split(' ')[0]); continue
                if m.startswith(base + 'favicon.ico'): continue  # the browser asks for it by itself; no page links it
                fail(rel, f"JavaScript error: {m[:200]}")
            for i in r['imgs']:
                if i['src'].startswith(base) and not i['ok']: fail(rel, f"image does not load: {i['src'][len(base):]}")
            for k in r['katex'][:3]: fail(rel, f"KaTeX error: {k}")
            for m in r['raw'][:3]: fail(rel, f"unrendered maths: {m!r}")
            if r['sidebarLinks'] == 0: fail(rel, "no sidebar (or an empty one)")
            want = expected_outputs(proc, rel) if proc.exists() else None
            if want is not None and r['outputs'] < want:
                fail(rel, f"{r['outputs']} code cells with output rendered, the executed notebook has {want}")
            title = ' '.join((r['title'] or '').split())
            if not r['search']: fail(rel, "no search box")
            elif title:
                hits = d.execute_async_script(SEARCH_JS, title)
                got = {urlparse(h).path.lstrip('/') for h in (hits or [])}
                if rel not in got and not (rel.endswith('index.html') and rel[:-len('index.html')] in got):
                    fail(rel, f"search for its title {title!r} does not return it ({len(hits or [])} results)")
            else: fail(rel, "no title")
        # links and anchors, once every page's ids are known
        for rel, r in info.items():
            bad = set()
            for h in r['links']:
                if not h.startswith(base): continue
                u = urlparse(h)
                path = unquote(u.path).lstrip('/')
                target = site / path
                if target.is_dir(): target, path = target / 'index.html', (path.rstrip('/') + '/index.html').lstrip('/')
                if not target.exists(): bad.add(f"broken link to {path}")
                elif u.fragment and '=' not in u.fragment and path in info and unquote(u.fragment) not in info[path]['ids']:  # '#category=x' filters a listing
                    bad.add(f"broken anchor {path}#{u.fragment}")
            for b in sorted(bad): fail(rel, b)
    finally:
        d.quit(); srv.shutdown()
    for rel in pages:
        for m in fails.get(rel, []): print(f"FAIL {rel}: {m}")
    if external: print(f"note: {len(external)} resource(s) on other sites not loaded (the check runs offline): {', '.join(sorted(external))}")
    print(f"pages: {len(pages)} checked, {len(fails)} failed ({time.time() - t0:.0f}s)")
    if fails: sys.exit(1)


if __name__ == '__main__': main()
