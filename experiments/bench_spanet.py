#!/usr/bin/env python
"""Issue-12 benchmark: heptorch's SPANet (heptorch.spanet: model, SPANetLoss on the Learner, batched greedy decoding)
against SPANet's own package (spanet 2.1.1 from PyPI, in its own venv `.bench/spanet`, built by `make bench-spanet`
from experiments/peers/spanet.txt) on the same events and hyperparameters.

Both sides: hidden 64 (transformer 64, feed-forward x2), 6 encoder layers, 3 branch-encoder layers, 4 heads, AdamW
lr 1.5e-3 with weight decay (l2) 2e-4, loss = min over the t1<->t2 permutation of assignment NLL + detection BCE,
partial events on, the same batch size, drop_last, shuffled, one thread each (OMP/MKL/NUMBA_NUM_THREADS=1,
torch.set_num_threads(1)), CPU. SPANet keeps its own architecture choices otherwise (gated transformer, its
embedding stacks); which of its options were set is written into the results JSON.

Protocol: each library trains in its own process; the runs alternate A B B A over `--rounds`; each run trains
`--epochs` epochs (the first is reported but not used: warm-up) and then times inference (network + conflict-free
assignment decoding, events/s, best of 3 passes over the test events after one warm-up batch, which also compiles
SPANet's numba decoder). The ratio uses the median epoch time over all kept epochs of all rounds.
`--purity-epochs N` (optional, slow) then trains each side once for N epochs with its learning-rate schedule
(SPANet: warm-up 1 epoch + cosine; heptorch: one-cycle) and compares event purity on the same held-out events.

Data: the tt stand-in (heptorch.spanet.standin.ttbar_standin) written in SPANet's v2 layout to a temporary folder,
or `--data FILE` in that layout (first `--n-train` events train, last `--n-test` events test).

    make bench-spanet        # builds .bench/spanet from experiments/peers/spanet.txt, then runs this (ARGS=... for options)
    OMP_NUM_THREADS=1 .venv/bin/python experiments/bench_spanet.py [--data FILE] [--rounds 2] [--epochs 3] [--purity-epochs 0]

The last line printed is `spanet_epoch_ratio=<ours/theirs>` (goal <= 0.7). Results: experiments/results/bench_spanet.json.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / '.bench' / 'spanet' / 'bin' / 'python'
HERE_PY = Path(sys.executable)

# SPANet options shared by both sides (names are SPANet's; heptorch's equivalents in `heptorch_worker`)
SPANET_OPTIONS = dict(hidden_dim=64, transformer_dim=64, transformer_dim_scale=2.0, num_encoder_layers=6,
                      num_branch_encoder_layers=3, num_attention_heads=4, transformer_type='Gated',
                      optimizer='AdamW', learning_rate=1.5e-3, l2_penalty=2e-4, combine_pair_loss='min',
                      partial_events=True, balance_particles=False, balance_jets=False,
                      assignment_loss_scale=1.0, detection_loss_scale=1.0, kl_loss_scale=0.0,
                      num_dataloader_workers=0, num_gpu=0, verbose_output=False, dropout=0.0)

def one_thread():
    for k in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMBA_NUM_THREADS', 'OPENBLAS_NUM_THREADS'): os.environ[k] = '1'

# ---------------------------------------------------------------------------------------------------------------
# workers (one process each)
def heptorch_worker(a):
    import torch
    from functools import partial
    torch.set_num_threads(a.threads)
    from heptorch.core import set_seed
    from heptorch.spanet.config import EventInfo, TTBAR_YAML
    from heptorch.spanet.data import read_spanet, InputStats, to_arrays
    from heptorch.spanet.model import SPANet
    from heptorch.spanet.loss import SPANetLoss
    from heptorch.spanet.decode import predict_assignments
    from heptorch.data import DataLoaders
    from heptorch.learner import Learner
    import heptorch.callback.schedule   # adds Learner.fit_one_cycle
    set_seed(a.seed)
    info = EventInfo.from_yaml(TTBAR_YAML)
    trn, tst = read_spanet(a.train, info), read_spanet(a.test, info)
    stats = InputStats.fit(trn)
    x, y, _ = to_arrays(trn, stats)
    xt, _, _ = to_arrays(tst, stats)
    dls = DataLoaders.from_arrays(x, y, bs=a.bs, shuffle=True, drop_last=True, seed=a.seed, device='cpu')
    model = SPANet(info, n_features=x[0].shape[-1], hidden=64, n_encoder=6, n_branch=3, n_heads=4, ff_mult=2)
    learn = Learner(model, dls, loss_func=SPANetLoss(info), lr=1.5e-3, device='cpu',
                    opt_func=partial(torch.optim.AdamW, weight_decay=2e-4))
    if a.mode == 'purity': learn.fit_one_cycle(a.epochs, lr_max=1.5e-3)
    else: learn.fit(a.epochs)
    ep = [float(t) for t in learn.recorder.values['time']]
    predict_assignments(model, (xt[0][:256], xt[1][:256]), bs=a.infer_bs)     # warm-up
    best, assign = float('inf'), None
    for _ in range(3):
        t0 = time.perf_counter()
        assign = predict_assignments(model, xt, bs=a.infer_bs)
        best = min(best, time.perf_counter() - t0)
    np.savez(a.out, **{p: v.numpy() for p, v in assign.items()})
    return dict(epoch_times=ep, infer_events_per_s=len(xt[0]) / best, n_params=sum(p.numel() for p in model.parameters()),
                torch=torch.__version__, threads=torch.get_num_threads())

def spanet_worker(a):
    # numpy alias shims: spanet 2.1.1 uses np.object / np.float etc., removed in numpy 1.24
    for k, v in (('object', object), ('float', float), ('int', int), ('bool', bool)):
        if not hasattr(np, k): setattr(np, k, v)
    import torch
    torch.set_num_threads(a.threads)
    import pytorch_lightning as pl
    from spanet import JetReconstructionModel, Options
    pl.seed_everything(a.seed, workers=True)
    opts = Options(a.event_yaml, a.train, a.test, a.test)
    opts.update_options(dict(SPANET_OPTIONS, batch_size=a.bs, epochs=a.epochs, learning_rate_warmup_epochs=1.0 if a.mode == 'purity' else 0.0,
                             learning_rate_cycles=1 if a.mode == 'purity' else 0))
    model = JetReconstructionModel(opts)
    # torch's DataLoader refuses prefetch_factor without worker processes; SPANet always passes it
    cls = type(model)
    orig = cls.dataloader_options.fget
    cls.dataloader_options = property(lambda self: {k: v for k, v in orig(self).items() if not (k == 'prefetch_factor' and self.options.num_dataloader_workers == 0)})
    class Timer(pl.Callback):
        def __init__(self): self.times = []
        def on_train_epoch_start(self, trainer, module): self.t0 = time.perf_counter()
        def on_train_epoch_end(self, trainer, module): self.times.append(time.perf_counter() - self.t0)
    timer = Timer()
    trainer = pl.Trainer(accelerator='cpu', devices=1, max_epochs=a.epochs, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0, num_sanity_val_steps=0,
                         callbacks=[timer])
    trainer.fit(model)
    model.eval()
    from torch.utils.data import DataLoader
    from spanet.dataset.types import Source
    ds = model.testing_dataset
    def run(limit=None):
        outs = []
        dl = DataLoader(ds, batch_size=a.infer_bs, shuffle=False)
        n = 0
        with torch.no_grad():
            for batch in dl:
                sources = tuple(Source(s[0], s[1]) for s in batch.sources)
                outs.append(model.predict_assignments(sources))
                n += len(outs[-1][0])
                if limit and n >= limit: break
        return [np.concatenate([o[k] for o in outs]) for k in range(len(outs[0]))]
    run(256)                                                             # warm-up, compiles the numba decoder
    best, assign = float('inf'), None
    for _ in range(3):
        t0 = time.perf_counter()
        assign = run()
        best = min(best, time.perf_counter() - t0)
    names = list(model.event_info.product_particles.keys())
    np.savez(a.out, **{p: v for p, v in zip(names, assign)})
    return dict(epoch_times=[float(t) for t in timer.times], infer_events_per_s=len(assign[0]) / best,
                n_params=sum(p.numel() for p in model.parameters()), torch=torch.__version__, threads=torch.get_num_threads(),
                spanet_options={k: getattr(opts, k) for k in sorted(SPANET_OPTIONS) + ['batch_size', 'learning_rate_warmup_epochs', 'learning_rate_cycles']})

# ---------------------------------------------------------------------------------------------------------------
# orchestration
def top_correct(pred, true):
    "Same b jet (daughter 2) and the same unordered pair of light-quark jets (daughters 0, 1)"
    return (pred[:, 2] == true[:, 2]) & (np.sort(pred[:, :2], 1) == np.sort(true[:, :2], 1)).all(1)

def event_purity(assign, targets, n_jets):
    "Event purity (both tops right, best over t1<->t2) on events with two reconstructable tops, overall and by jet count"
    full = (targets['t1'] >= 0).all(1) & (targets['t2'] >= 0).all(1)
    ok = (top_correct(assign['t1'], targets['t1']) & top_correct(assign['t2'], targets['t2'])) | \
         (top_correct(assign['t1'], targets['t2']) & top_correct(assign['t2'], targets['t1']))
    cats = {'6': n_jets == 6, '7': n_jets == 7, '>=8': n_jets >= 8, 'all': np.ones_like(full)}
    return {k: dict(purity=float(ok[full & c].mean()) if (full & c).any() else None, n_events=int((full & c).sum())) for k, c in cats.items()}

def run_worker(name, a, files, tmp, epochs, mode, seed):
    py = HERE_PY if name == 'heptorch' else Path(os.path.abspath(a.peer_python))   # abspath, not resolve: keep the venv's symlink
    out = Path(tmp) / f'{name}_{mode}_{seed}.npz'
    cmd = [str(py), __file__, '--worker', name, '--mode', mode, '--train', files['train'], '--test', files['test'],
           '--event-yaml', files['yaml'], '--epochs', str(epochs), '--bs', str(a.bs), '--infer-bs', str(a.infer_bs),
           '--seed', str(seed), '--threads', str(a.threads), '--out', str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', NUMBA_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
    if r.returncode != 0:
        raise RuntimeError(f"{name} worker failed (exit {r.returncode}):\n{r.stderr[-4000:]}")
    res = json.loads([l for l in r.stdout.splitlines() if l.startswith('{')][-1])
    res.update(worker=name, wall_s=time.perf_counter() - t0, load1_before=os.getloadavg()[0])
    res['assign'] = {k: v for k, v in np.load(out).items()}
    return res

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', help="SPANet v2 HDF5 file (else: the stand-in)")
    p.add_argument('--n-train', type=int, default=4000); p.add_argument('--n-test', type=int, default=1000)
    p.add_argument('--epochs', type=int, default=3); p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--infer-bs', type=int, default=500)
    p.add_argument('--threads', type=int, default=1); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--purity-epochs', type=int, default=0)
    p.add_argument('--peer_python', '--peer-python', dest='peer_python', default=str(PEER_PY))
    p.add_argument('--only', choices=['heptorch', 'spanet'], help="run one side once (debugging)")
    p.add_argument('--results', default=str(ROOT / 'experiments' / 'results' / 'bench_spanet.json'))
    # worker arguments
    p.add_argument('--worker'); p.add_argument('--mode', default='speed'); p.add_argument('--train'); p.add_argument('--test')
    p.add_argument('--event-yaml'); p.add_argument('--out')
    a = p.parse_args()
    one_thread()
    if a.worker:
        res = (heptorch_worker if a.worker == 'heptorch' else spanet_worker)(a)
        print(json.dumps(res)); return

    from heptorch.spanet.config import EventInfo, TTBAR_YAML
    from heptorch.spanet.data import read_spanet, write_spanet
    from heptorch.spanet.standin import ttbar_standin
    info = EventInfo.from_yaml(TTBAR_YAML)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if a.data:
            import h5py
            with h5py.File(a.data, 'r') as f: n_file = len(f[f'INPUTS/{info.source}/MASK'])
            if a.n_train + a.n_test > n_file: raise ValueError(f"{a.data}: {n_file} events, fewer than --n-train + --n-test")
            trn, tst = read_spanet(a.data, info, 0, a.n_train), read_spanet(a.data, info, n_file - a.n_test, n_file)
            source = f"{a.data} (events 0-{a.n_train - 1} train, {n_file - a.n_test}-{n_file - 1} test)"
        else:
            ev = ttbar_standin(a.n_train + a.n_test, seed=a.seed)
            trn, tst = ev[:a.n_train], ev[a.n_train:]
            source = f"ttbar_standin(n={a.n_train + a.n_test}, seed={a.seed})"
        files = dict(train=str(write_spanet(Path(tmp) / 'train.h5', trn)), test=str(write_spanet(Path(tmp) / 'test.h5', tst)),
                     yaml=str(Path(tmp) / 'event.yaml'))
        Path(files['yaml']).write_text(TTBAR_YAML)
        targets, n_jets = {p: tst.targets[p] for p in info.particles}, tst.n_jets
        print(f"data: {source}; train {len(trn)}, test {len(tst)}; batch {a.bs}; {a.epochs} epochs x {a.rounds} rounds", flush=True)

        order = [['heptorch'], ['spanet']][['heptorch', 'spanet'].index(a.only)] if a.only else None
        runs = []
        for r in range(1 if a.only else a.rounds):
            seq = order or (['heptorch', 'spanet'] if r % 2 == 0 else ['spanet', 'heptorch'])   # A B, B A, ...
            for name in seq:
                res = run_worker(name, a, files, tmp, a.epochs, 'speed', a.seed + r)
                res['round'] = r
                res['event_purity'] = event_purity(res.pop('assign'), targets, n_jets)
                runs.append(res)
                print(f"round {r} {name:8s}: epochs {', '.join(f'{t:.1f}' for t in res['epoch_times'])} s; "
                      f"inference {res['infer_events_per_s']:.0f} events/s; params {res['n_params']}", flush=True)
        med = lambda w: float(np.median([t for x in runs if x['worker'] == w for t in x['epoch_times'][1:]]))
        inf = lambda w: float(np.median([x['infer_events_per_s'] for x in runs if x['worker'] == w]))
        out = dict(source=source, n_train=len(trn), n_test=len(tst), bs=a.bs, epochs=a.epochs, rounds=a.rounds, threads=a.threads,
                   machine=f"{os.cpu_count()} CPUs visible", runs=runs)
        both = {x['worker'] for x in runs} == {'heptorch', 'spanet'}
        if both:
            out['epoch_s'] = dict(heptorch=med('heptorch'), spanet=med('spanet'))
            out['infer_events_per_s'] = dict(heptorch=inf('heptorch'), spanet=inf('spanet'))
            out['spanet_epoch_ratio'] = out['epoch_s']['heptorch'] / out['epoch_s']['spanet']
            out['infer_speedup'] = out['infer_events_per_s']['heptorch'] / out['infer_events_per_s']['spanet']
            out['round_epoch_ratios'] = [float(np.median([t for x in runs if x['round'] == r and x['worker'] == 'heptorch' for t in x['epoch_times'][1:]])
                                               / np.median([t for x in runs if x['round'] == r and x['worker'] == 'spanet' for t in x['epoch_times'][1:]]))
                                         for r in range(a.rounds)]
        if a.purity_epochs:
            out['purity'] = {}
            for name in ['heptorch', 'spanet']:
                res = run_worker(name, a, files, tmp, a.purity_epochs, 'purity', a.seed)
                out['purity'][name] = dict(epochs=a.purity_epochs, event_purity=event_purity(res.pop('assign'), targets, n_jets),
                                           train_s=float(sum(res['epoch_times'])))
                print(f"purity {name}: {a.purity_epochs} epochs, event purity (2 reconstructable tops) "
                      f"{ {k: v['purity'] for k, v in out['purity'][name]['event_purity'].items()} }", flush=True)
    for x in out['runs']: x.pop('assign', None)
    out['wall_s'] = time.perf_counter() - t_start
    out['command'] = ' '.join(['experiments/bench_spanet.py'] + sys.argv[1:])
    if not a.only:
        Path(a.results).parent.mkdir(parents=True, exist_ok=True)
        Path(a.results).write_text(json.dumps(out, indent=1))
    if 'spanet_epoch_ratio' in out:
        print(f"epoch time: heptorch {out['epoch_s']['heptorch']:.2f} s, spanet {out['epoch_s']['spanet']:.2f} s "
              f"(per round: {', '.join(f'{r:.2f}' for r in out['round_epoch_ratios'])}); inference: heptorch "
              f"{out['infer_events_per_s']['heptorch']:.0f}, spanet {out['infer_events_per_s']['spanet']:.0f} events/s")
        print(f"spanet_epoch_ratio={out['spanet_epoch_ratio']:.3f}")

if __name__ == '__main__': main()
