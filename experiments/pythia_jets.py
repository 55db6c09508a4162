"""Generate g, q, W, Z and t jets with Pythia 8 and FastJet, as the hls4ml LHC jet sample was made, into the hls4ml
constituent-file layout that `heptorch.jets.load_jets` (and `experiments/jets.py --h5`) reads.

Not a test or runtime dependency: Pythia comes from the `pythia8mc` package on PyPI, which builds from source (about
45 minutes of one core), so it is an optional extra of the experiments (`pip install pythia8mc`).

What is generated (pp at 13 TeV, Pythia's default tune, multiparton interactions and hadronisation on; no pile-up and
no detector simulation, where hls4ml used Delphes):
- g and q: `HardQCD:all`; a jet is a gluon (q) jet when the closest outgoing parton of the hard process (within
  ΔR < 0.8 of the jet axis) is a gluon (a u, d or s quark); jets matched to c or b quarks are not used.
- W: `WeakBosonAndParton:qqbar2Wg, qg2Wq`, W -> quarks only; Z: the same with Z (`WeakZ0:gmZmode = 2`) -> quarks.
- t: `Top:gg2ttbar, qqbar2ttbar`, W -> quarks only (all-hadronic tops).
  For W, Z and t the jet must lie within ΔR < 0.8 of the boson (top) and contain all its decay quarks within
  ΔR < 0.8 of its axis (fully merged, as in the JEDI-net sample's boosted jets).
- Jets: anti-kT, R = 0.8, from all visible final-state particles (no neutrinos) with |η| < 5; kept for
  0.8 < pT < 1.2 TeV and |η| < 2 (hard-process pT_hat between 700 and 1500 GeV); at most 150 constituents, the
  leading ones in pT, as in the hls4ml files.

The 16 constituent features come from `heptorch.jets.standin.constituent_features` and the 16 high-level features
from `heptorch.jets.features.jet_hlf` (mMDT grooming and energy correlators from the constituents), both written into
the file. A sidecar `<out>.json` records the settings, seeds, counts, Pythia's version and the wall time.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/pythia_jets.py --out jets_pythia.h5 [--n_per_class 8000] [--seed 1]
    # or two jobs on two cores, into one folder that experiments/jets.py --h5 reads whole:
    ... --out pythia/qcd_w.h5 --procs qcd,w &  ... --out pythia/z_t.h5 --procs z,t
"""
import argparse, json, time
from pathlib import Path
import numpy as np
from heptorch.jets.data import JET_CLASSES, write_jet_constituents
from heptorch.jets.standin import constituent_features
from heptorch.jets.features import jet_hlf

PROCESSES = {
    'qcd': ['HardQCD:all = on'],
    'w': ['WeakBosonAndParton:qqbar2Wg = on', 'WeakBosonAndParton:qg2Wq = on', '24:onMode = off', '24:onIfAny = 1 2 3 4 5'],
    'z': ['WeakBosonAndParton:qqbar2gmZg = on', 'WeakBosonAndParton:qg2gmZq = on', 'WeakZ0:gmZmode = 2',
          '23:onMode = off', '23:onIfAny = 1 2 3 4 5'],
    't': ['Top:gg2ttbar = on', 'Top:qqbar2ttbar = on', '24:onMode = off', '24:onIfAny = 1 2 3 4 5'],
}
R, PT_MIN, PT_MAX, ETA_MAX, N_SLOTS = 0.8, 800., 1200., 2.0, 150

def _dr(eta1, phi1, eta2, phi2):
    dphi = (phi1 - phi2 + np.pi) % (2 * np.pi) - np.pi
    return np.hypot(eta1 - eta2, dphi)

def _eta_phi(px, py, pz):
    pt = np.hypot(px, py)
    return np.arcsinh(pz / max(pt, 1e-9)), np.arctan2(py, px)

def make_pythia(proc, seed):
    import pythia8mc as pythia8
    p = pythia8.Pythia('', False)
    for s in ['Beams:eCM = 13000.', 'PhaseSpace:pTHatMin = 700.', 'PhaseSpace:pTHatMax = 1500.',
              'Random:setSeed = on', f'Random:seed = {seed}', 'Next:numberCount = 0', 'Next:numberShowEvent = 0',
              'Next:numberShowInfo = 0', 'Next:numberShowProcess = 0', 'Init:showProcesses = off',
              'Init:showChangedSettings = off', 'Init:showMultipartonInteractions = off',
              'Init:showChangedParticleData = off'] + PROCESSES[proc]:
        if not p.readString(s): raise RuntimeError(f"Pythia refused the setting {s!r}")
    if not p.init(): raise RuntimeError(f"Pythia failed to initialise for {proc}")
    return p

def _targets(ev, proc):
    "(class, eta, phi, [decay-quark (eta, phi)]) of the objects a jet may be matched to"
    out = []
    if proc == 'qcd':
        for i in range(ev.size()):
            q = ev[i]
            if abs(q.status()) != 23: continue   # outgoing partons of the hard process (negative once showered)
            a = abs(q.id())
            cls = 'g' if a == 21 else 'q' if a in (1, 2, 3) else None
            if cls: out.append((cls, q.eta(), q.phi(), []))
        return out
    want = {'w': 24, 'z': 23, 't': 6}[proc]
    for i in range(ev.size()):
        b = ev[i]
        if abs(b.id()) != want or b.iBotCopyId() != i: continue   # the last copy of the boson/top, just before its decay
        d1, d2 = b.daughter1(), b.daughter2()
        quarks, stack = [], list(range(d1, d2 + 1)) if d2 >= d1 > 0 else [d1]
        while stack:   # the decay quarks, going through the W inside a top
            d = ev[stack.pop()]
            if abs(d.id()) == 24:
                w = ev[d.iBotCopyId()]; stack += list(range(w.daughter1(), w.daughter2() + 1)); continue
            if 1 <= abs(d.id()) <= 5: quarks.append((d.eta(), d.phi()))
        out.append((proc, b.eta(), b.phi(), quarks))
    return out

def jets_of_event(ev, proc, fastjet):
    parts = []
    for i in range(ev.size()):
        q = ev[i]
        if not q.isFinal() or abs(q.id()) in (12, 14, 16) or abs(q.eta()) > 5: continue
        parts.append(fastjet.PseudoJet(q.px(), q.py(), q.pz(), q.e()))
    cs = fastjet.ClusterSequence(parts, fastjet.JetDefinition(fastjet.antikt_algorithm, R))
    targets, found = _targets(ev, proc), []
    for j in fastjet.sorted_by_pt(cs.inclusive_jets(PT_MIN)):
        if j.pt() > PT_MAX or abs(j.eta()) > ETA_MAX: continue
        jeta, jphi = j.eta(), j.phi_std()
        d = [(_dr(jeta, jphi, t[1], t[2]), t) for t in targets]
        if not d: continue
        dmin, t = min(d, key=lambda u: u[0])
        if dmin > R: continue
        if t[3] and max(_dr(jeta, jphi, e, f) for e, f in t[3]) > R: continue   # not fully merged
        cons = fastjet.sorted_by_pt(j.constituents())[:N_SLOTS]
        found.append((t[0], np.array([[c.e(), c.px(), c.py(), c.pz()] for c in cons], np.float64)))
    return found

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True); ap.add_argument('--n_per_class', type=int, default=8000)
    ap.add_argument('--seed', type=int, default=1); ap.add_argument('--max_events', type=int, default=400_000)
    ap.add_argument('--procs', default='qcd,w,z,t', help='processes to generate (e.g. qcd,w in one job and z,t in another, written to two files of one folder)')
    a = ap.parse_args()
    import fastjet, pythia8mc as pythia8
    t0 = time.perf_counter()
    got = {c: [] for c in JET_CLASSES}
    stats = {}
    for k, proc in enumerate(['qcd', 'w', 'z', 't']):
        if proc not in a.procs.split(','): continue
        classes = ['g', 'q'] if proc == 'qcd' else [proc]
        p = make_pythia(proc, a.seed * 10 + k)
        n_ev, n_fail, tp = 0, 0, time.perf_counter()
        while any(len(got[c]) < a.n_per_class for c in classes) and n_ev < a.max_events:
            n_ev += 1
            if not p.next(): n_fail += 1; continue
            for cls, P in jets_of_event(p.event, proc, fastjet):
                if len(got[cls]) < a.n_per_class: got[cls].append(P)
            if n_ev % 2000 == 0: print(proc, n_ev, {c: len(got[c]) for c in classes}, f'{time.perf_counter() - tp:.0f} s', flush=True)
        stats[proc] = {'events': n_ev, 'failed': n_fail, 'sigma_mb': p.infoPython().sigmaGen(), 'wall_s': round(time.perf_counter() - tp, 1),
                       **{f'jets_{c}': len(got[c]) for c in classes}}
        print(proc, stats[proc], flush=True)
    y = np.concatenate([np.full(len(got[c]), i) for i, c in enumerate(JET_CLASSES)]).astype(np.int64)
    allp = [P for c in JET_CLASSES for P in got[c]]
    n = len(allp)
    p4 = np.zeros((n, N_SLOTS, 4)); mask = np.zeros((n, N_SLOTS), bool)
    for i, P in enumerate(allp): p4[i, :len(P)] = P; mask[i, :len(P)] = True
    x = constituent_features(p4, mask)
    hlf = jet_hlf(x, mask)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    write_jet_constituents(out, x, mask, y, hlf=hlf)
    meta = {'generator': f'Pythia {pythia8.__version__ if hasattr(pythia8, "__version__") else "8.3"} (pythia8mc) + FastJet {fastjet.__version__}',
            'processes': PROCESSES, 'jets': f'anti-kT R={R}, {PT_MIN:.0f} < pT < {PT_MAX:.0f} GeV, |eta| < {ETA_MAX}, <= {N_SLOTS} constituents',
            'detector': 'none (stable visible particles); no pile-up', 'seed': a.seed, 'n_per_class': {c: len(got[c]) for c in JET_CLASSES},
            'mean_multiplicity': {c: round(float(mask[y == i].sum(1).mean()), 1) for i, c in enumerate(JET_CLASSES) if (y == i).any()},
            'per_process': stats, 'wall_s': round(time.perf_counter() - t0, 1)}
    Path(str(out) + '.json').write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta, indent=1))

if __name__ == '__main__':
    main()
