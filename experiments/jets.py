"""Five-class jet tagging on the jet stand-in (or an hls4ml constituent file): HLF-MLP vs Deep Sets vs interaction network.

All three models see the same jets, split the same way (70% train, 10% validation, 20% test), and are trained with the
same budget: the same number of epochs, batch size, optimiser (Adam) and one-cycle schedule with the same peak learning
rate. The HLF-MLP is the hls4ml tutorial's 16 -> 64 -> 32 -> 32 -> 5 on the 16 standardised high-level features
(computed from all constituents of each jet); as a diagnostic, the same MLP is also trained with `multiplicity`
capped at N (what the set models can count). Deep Sets and the interaction network read the leading N constituents
(16 standardised features each); the IN uses JEDI-net's best [h, D_E, D_O] for that N (JEDI_BEST, flattened O:
N = 50 -> [50, 12, 14], N = 30 -> [50, 12, 6]; other N fall back to [50, 12, 6]).

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/jets.py [--n_jets 40000] [--n_const 50] [--epochs 6]
        [--h5 PATH_TO_HLS4ML_FILE_OR_DIR] [--cache DIR] [--out DIR]

Writes jets.json and jets_*.png to --out (default experiments/results). The committed run (defaults, --cache set) took
991 s of wall time on a shared 2-core machine (IN-50 training 915 s of it), plus about 200 s to simulate the 40,000 jets
and compute their high-level features on the first call. experiments/results/jets_n30.json is the same run with
--n_const 30 (894 s).
experiments/results/jets_pythia.json is the default run on Pythia 8 + FastJet jets made by experiments/pythia_jets.py
(--h5 on the folder of its two files; 603 s, IN-50 training 544 s). Without --h5 the data are the simulated stand-in
(heptorch.jets.standin), and the results say so; they are not Pythia/Delphes jets.
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from heptorch.core import set_seed
from heptorch.data import DataLoaders
from heptorch.learner import Learner
from heptorch.losses import WeightedCrossEntropy
from heptorch.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner.fit_one_cycle)
from heptorch.metrics import weighted_accuracy
from heptorch.interpret.plots import plot_confusion_matrix
from heptorch.sets.models import DeepSets, InteractionNetwork
from heptorch.sets.data import standardize_sets
from heptorch.jets.data import JET_CLASSES, HLF_COLUMNS, read_jet_constituents, write_jet_constituents
from heptorch.jets.load import load_jets
from heptorch.jets.features import jet_hlf
from heptorch.jets.standin import plot_class_distributions, jet_summary
from heptorch.jets.eval import (tagger_summary, plot_roc_per_class, plot_rejection, plot_light_heavy, light_heavy,
                                hls4ml_mlp)

# JEDI-net's best [h, D_E, D_O] for each number of constituents (Moreno et al. 2020)
JEDI_BEST = {30: (50, 12, 6), 50: (50, 12, 14), 100: (30, 10, 10), 150: (10, 4, 14)}
JEDI = {'DNN (16 HLF)': dict(g=.938, q=.903, w=.954, z=.946, t=.962), 'IN-100': dict(g=.953, q=.930, w=.974, z=.968, t=.968)}

def get_jets(a):
    if a.h5: return load_jets(a.h5, n_jets=a.n_jets, n_max=150)
    cache = Path(a.cache) / f'jets_standin_{a.n_jets}_{a.seed}.h5' if a.cache else None
    if cache is not None and cache.exists():
        j = read_jet_constituents(cache, hlf=True)
        j.source, j.path, j.seed, j.hlf_source = 'simulated', None, a.seed, 'computed'
        print(f"stand-in read from the cache {cache}")
        return j
    j = load_jets(None, n_jets=a.n_jets, simulate_if_missing=True, seed=a.seed)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_jet_constituents(cache, j.x, j.mask, j.y, hlf=j.hlf)
    return j

def describe(jets):
    "What the jets are: the stand-in, or the file's name and its generator sidecar (`<file>.json`, from pythia_jets.py)"
    if jets.source == 'simulated': return 'simulated stand-in (heptorch.jets.standin), not Pythia/Delphes'
    side = Path(str(jets.path) + '.json')
    return {'file': Path(jets.path).name, **(json.loads(side.read_text()) if side.exists() else {})}

def softmax(t): return torch.softmax(t, 1)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n_jets', type=int, default=40000); ap.add_argument('--n_const', type=int, default=50)
    ap.add_argument('--epochs', type=int, default=6); ap.add_argument('--bs', type=int, default=256)
    ap.add_argument('--lr', type=float, default=3e-3); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--h5', default=None); ap.add_argument('--cache', default=None)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results'))
    a = ap.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    t_all = time.perf_counter()
    t0 = time.perf_counter(); jets = get_jets(a); t_data = time.perf_counter() - t0
    print(f"data: {len(jets):,} jets ({jets.source}), {t_data:.0f} s")
    n = len(jets)
    rng = np.random.default_rng(a.seed)
    perm = rng.permutation(n)
    i_tr, i_va, i_te = perm[:int(.7 * n)], perm[int(.7 * n):int(.8 * n)], perm[int(.8 * n):]
    y = jets.y.astype(np.int64)
    # high-level features, standardised on the training jets
    H = jets.hlf[HLF_COLUMNS].to_numpy(np.float32)
    def scaled(A):
        mu, sd = A[i_tr].mean(0), A[i_tr].std(0); sd[sd == 0] = 1
        return (A - mu) / sd
    # diagnostic: the same MLP when `multiplicity` counts only the N constituents the set models see
    Hc = H.copy(); k = HLF_COLUMNS.index('multiplicity'); Hc[:, k] = np.minimum(Hc[:, k], a.n_const)
    H, Hc = scaled(H), scaled(Hc)
    # leading N constituents, standardised on the training jets' real constituents
    N = a.n_const
    X, M = jets.x[:, :N], jets.mask[:, :N]
    _, st = standardize_sets(X[i_tr], M[i_tr])
    X, _ = standardize_sets(X, M, stats=st)
    models = {
        'HLF-MLP': (lambda: hls4ml_mlp(16, 5), lambda i: H[i]),
        'DeepSets': (lambda: DeepSets(16, 5), lambda i: (X[i], M[i])),
        f'IN-{N}': (lambda: InteractionNetwork(16, N, 5, **dict(zip(('hidden', 'd_e', 'd_o'), JEDI_BEST.get(N, (50, 12, 6))))), lambda i: (X[i], M[i])),
        f'HLF-MLP (multiplicity capped at {N})': (lambda: hls4ml_mlp(16, 5), lambda i: Hc[i]),
    }
    probs, walls = {}, {}
    for name, (make, inp) in models.items():
        set_seed(a.seed)
        dls = DataLoaders.from_arrays(inp(i_tr), y[i_tr], valid=(inp(i_va), y[i_va]), bs=a.bs, seed=a.seed, device='cpu')
        learn = Learner(make(), dls, WeightedCrossEntropy(), lr=a.lr, device='cpu')
        t0 = time.perf_counter(); learn.fit_one_cycle(a.epochs, a.lr); walls[name] = time.perf_counter() - t0
        probs[name] = learn.predict(inp(i_te), bs=1024, activation=softmax).numpy()
        print(f"{name}: {walls[name]:.0f} s, test accuracy {weighted_accuracy(y[i_te], probs[name]):.4f}")
    yt = y[i_te]
    res = {'source': jets.source, 'data': describe(jets),
           'n_jets': n, 'n_train': len(i_tr), 'n_valid': len(i_va), 'n_test': len(i_te), 'n_const': N, 'epochs': a.epochs,
           'batch_size': a.bs, 'lr_max': a.lr, 'schedule': 'one-cycle', 'seed': a.seed,
           'auc_per_class': {}, 'rejection_at_30': {}, 'rejection_at_50': {}, 'accuracy': {}, 'light_heavy': {},
           'wall_s': {'data': round(t_data, 1), **{k: round(v, 1) for k, v in walls.items()}},
           'reference_jedi_net_auc': JEDI}
    for name, p in probs.items():
        tab = tagger_summary(yt, p)
        res['auc_per_class'][name] = {c: round(float(tab.loc[c, 'auc']), 4) for c in JET_CLASSES}
        res['rejection_at_30'][name] = {c: round(float(tab.loc[c, 'rej_30']), 2) for c in JET_CLASSES}
        res['rejection_at_50'][name] = {c: round(float(tab.loc[c, 'rej_50']), 2) for c in JET_CLASSES}
        res['accuracy'][name] = round(weighted_accuracy(yt, p), 4)
        lh = light_heavy(yt, p)
        res['light_heavy'][name] = {'auc': round(lh['auc'], 4), 'tpr_at_fpr_1pct': round(lh['tpr_at_1'], 3), 'tpr_at_fpr_10pct': round(lh['tpr_at_10'], 3)}
    in_name = f'IN-{N}'
    res['in_beats_hlf_mlp_on_every_class'] = all(res['auc_per_class'][in_name][c] > res['auc_per_class']['HLF-MLP'][c] for c in JET_CLASSES)
    res['wall_s']['total'] = round(time.perf_counter() - t_all, 1)
    # plots
    main3 = {k: probs[k] for k in list(models)[:3]}
    fig, axs = plt.subplots(1, len(main3), figsize=(4.6 * len(main3), 4.2))
    for ax, (name, p) in zip(axs, main3.items()): plot_roc_per_class(yt, p, ax=ax, title=name)
    fig.savefig(out / 'jets_roc.png', dpi=110); plt.close(fig)
    for c in ('t', 'w', 'q'):
        plot_rejection(main3, yt, cls=c, reference='HLF-MLP').savefig(out / f'jets_rejection_{c}.png', dpi=110); plt.close('all')
    plot_confusion_matrix(yt, probs[in_name], class_names=list(JET_CLASSES)).savefig(out / 'jets_confusion_in.png', dpi=110)
    plot_light_heavy(yt, probs[in_name]).savefig(out / 'jets_light_heavy_in.png', dpi=110)
    plot_class_distributions({c: jets.hlf[c].to_numpy() for c in HLF_COLUMNS}, jets.y).savefig(out / 'jets_hlf.png', dpi=90)
    plot_class_distributions(jet_summary(jets), jets.y).savefig(out / 'jets_summary.png', dpi=90)
    plt.close('all')
    (out / 'jets.json').write_text(json.dumps(res, indent=1))
    for name in probs: print(name, 'AUC', res['auc_per_class'][name], 'acc', res['accuracy'][name])
    print('in_beats_hlf_mlp_on_every_class', res['in_beats_hlf_mlp_on_every_class'], 'total wall', res['wall_s']['total'])

if __name__ == '__main__': main()
