"""Exact INFERNO: heptorch vs pytorch-inferno 0.2.2, same network, batch size and data, measured alternately in one run.

pytorch-inferno lives in its own venv (never a heptorch dependency), created by `make bench-inferno` under the
git-ignored `.bench/inferno/` from the pins in `experiments/peers/inferno.txt` (torch installed first).
Run: `make bench-inferno`, or OMP_NUM_THREADS=1 PYTHONPATH=$PWD python experiments/bench_inferno.py [--peer_python PATH]
Each side runs in its own process (one OpenMP thread), alternating `--rounds` times; medians are compared.
Benchmark BM2 (r and lambda free, exact loss), network 3-100-100-10, tau=0.1, batch 1000, 20k training + 20k validation events.
Last line: inferno_epoch_ratio=<ours/theirs>.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]

def make_data(path, n, seed=0):
    "Balanced toy data (train and valid), generated once and shared by both sides"
    rng = np.random.default_rng(seed)
    def part(m):
        s = np.column_stack([rng.normal(0, 1, (m, 2)), rng.exponential(1 / 2, m)])
        b = np.column_stack([rng.normal(0, 1, (m, 2)) * np.sqrt([5., 9.]) + [2., 0.], rng.exponential(1 / 3, m)])
        x = np.vstack([s, b]).astype(np.float32)
        y = np.concatenate([np.ones(m), np.zeros(m)]).astype(np.float32)[:, None]
        w = np.concatenate([np.full(m, 50. / m), np.full(m, 1000. / m)]).astype(np.float32)[:, None]
        return x, y, w
    (xt, yt, wt), (xv, yv, wv) = part(n // 2), part(n // 2)
    np.savez(path, xt=xt, yt=yt, wt=wt, xv=xv, yv=yv, wv=wv)

def net(torch, nn, seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))

def side_ours(d, a):
    import torch
    from torch import nn
    from heptorch.inferno.core import InfernoCallback, ShapeNuisance
    from heptorch.inferno.toy import shift_bkg
    from heptorch.data import ArrayLoader, DataLoaders
    from heptorch.learner import Learner
    torch.set_num_threads(1)
    t = lambda k: torch.from_numpy(d[k])
    model = net(torch, nn, a.seed)
    cb = InfernoCallback([ShapeNuisance('r', 0., None, 0.2), ShapeNuisance('lam', 3., None, 0.5)], shift_bkg, tau=0.1)
    xb, yb, wb = t('xt')[:a.bs], t('yt')[:, 0], t('wt')[:, 0]
    idx = torch.randperm(len(yb), generator=torch.Generator().manual_seed(0))[:a.bs]
    xb, yb, wb = t('xt')[idx], yb[idx], wb[idx]
    times = []
    for i in range(a.n_batches + 3):
        t0 = time.perf_counter()
        loss = cb.loss(model=model, xb=xb, yb=yb, wb=wb); loss.backward()
        model.zero_grad(set_to_none=True)
        if i >= 3: times.append(time.perf_counter() - t0)
    dls = DataLoaders(ArrayLoader(t('xt'), t('yt')[:, 0], t('wt')[:, 0], bs=a.bs, shuffle=True, drop_last=True, seed=0, device='cpu'),
                      ArrayLoader(t('xv'), t('yv')[:, 0], t('wv')[:, 0], bs=2 * a.bs, shuffle=True, seed=1, device='cpu'))
    learn = Learner(model, dls, None, lr=1e-4, device='cpu', cbs=[cb])
    learn.fit(1)  # warm-up
    t0 = time.perf_counter(); learn.fit(a.epochs); ep = (time.perf_counter() - t0) / a.epochs
    return dict(batch_s=float(np.median(times)), epoch_s=ep, loss=float(loss))

def side_theirs(d, a):
    import torch
    from torch import nn, optim
    from pytorch_inferno.inferno import PaperInferno, VariableSoftmax
    from pytorch_inferno.model_wrapper import ModelWrapper
    from pytorch_inferno.data import DataSet, WeightedDataLoader, DataPair
    torch.set_num_threads(1)
    model = nn.Sequential(*net(torch, nn, a.seed), VariableSoftmax(0.1))
    wrapper = ModelWrapper(model, device=torch.device('cpu'))
    cb = PaperInferno(float_r=True, float_l=True)
    wrapper.cbs, wrapper.loss_func = [cb], None
    cb.set_wrapper(wrapper); cb.on_train_begin()
    idx = torch.randperm(len(d['yt']), generator=torch.Generator().manual_seed(0))[:a.bs].numpy()
    xb, yb, wb = (torch.from_numpy(d[k][idx]) for k in ('xt', 'yt', 'wt'))
    times = []
    for i in range(a.n_batches + 3):
        t0 = time.perf_counter()
        wrapper.x, wrapper.y, wrapper.w = xb.clone(), yb, wb  # their callback shifts x in place
        cb.on_batch_begin()
        wrapper.y_pred = model(wrapper.x)
        cb.on_forwards_end()
        wrapper.loss_val.backward()
        cb.on_batch_end(); model.zero_grad(set_to_none=True)
        if i >= 3: times.append(time.perf_counter() - t0)
    trn = WeightedDataLoader(DataSet(d['xt'], d['yt'], d['wt']), batch_size=a.bs, shuffle=True, drop_last=True)
    val = WeightedDataLoader(DataSet(d['xv'], d['yv'], d['wv']), batch_size=2 * a.bs, shuffle=True)
    data = DataPair(trn, val)
    opt = lambda p: optim.Adam(p, lr=1e-4)
    wrapper.fit(1, data=data, opt=opt, loss=None, cbs=[PaperInferno(float_r=True, float_l=True)])  # warm-up
    t0 = time.perf_counter(); wrapper.fit(a.epochs, data=data, opt=opt, loss=None, cbs=[PaperInferno(float_r=True, float_l=True)])
    ep = (time.perf_counter() - t0) / a.epochs
    return dict(batch_s=float(np.median(times)), epoch_s=ep, loss=float(wrapper.loss_val) if hasattr(wrapper, 'loss_val') else float('nan'))

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--side', choices=['ours', 'theirs'], default=None, help='internal: run one side and print JSON')
    p.add_argument('--data', default=None, help='where to write the shared data (default: a temporary file)')
    p.add_argument('--peer_python', default=str(ROOT / '.bench' / 'inferno' / 'bin' / 'python'), help="pytorch-inferno's python (default: the venv `make bench-inferno` creates)")
    p.add_argument('--n', type=int, default=20_000, help='training (and validation) events')
    p.add_argument('--bs', type=int, default=1000)
    p.add_argument('--n_batches', type=int, default=30)
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='experiments/results/bench_inferno.json')
    a = p.parse_args()
    if a.side:
        d = dict(np.load(a.data))
        r = (side_ours if a.side == 'ours' else side_theirs)(d, a)
        print(json.dumps(r)); return
    if a.data is None:
        import tempfile
        a.data = str(Path(tempfile.mkdtemp()) / 'bench_inferno_data.npz')
    if not Path(a.peer_python).exists(): sys.exit(f"pytorch-inferno's python not found at {a.peer_python}: run `make bench-inferno` (creates it) or pass --peer_python")
    make_data(a.data, a.n, a.seed)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env_peer = {k: v for k, v in env.items() if k != 'PYTHONPATH'}
    args = ['--data', a.data, '--bs', str(a.bs), '--n_batches', str(a.n_batches), '--epochs', str(a.epochs), '--seed', str(a.seed)]
    res = {'ours': [], 'theirs': []}
    for r in range(a.rounds):
        for side, py, e in (('ours', sys.executable, env), ('theirs', a.peer_python, env_peer)):
            out = subprocess.run([py, __file__, '--side', side] + args, env=e, capture_output=True, text=True)
            if out.returncode: sys.exit(f'{side} failed:\n{out.stderr[-3000:]}')
            res[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {r} {side:6s} batch {1e3 * res[side][-1]['batch_s']:7.1f} ms  epoch {res[side][-1]['epoch_s']:6.2f} s", flush=True)
    med = {s: {k: float(np.median([x[k] for x in v])) for k in ('batch_s', 'epoch_s')} for s, v in res.items()}
    summary = dict(settings=dict({k: v for k, v in vars(a).items() if k not in ('data', 'peer_python', 'side', 'out')}, peer='pytorch-inferno 0.2.2 (experiments/peers/inferno.txt)', omp_num_threads=1, benchmark='BM2 exact (r, lambda free)', network='3-100-100-10 ReLU, tau=0.1'),
                   rounds=res, median=med, batch_ratio=med['ours']['batch_s'] / med['theirs']['batch_s'],
                   epoch_ratio=med['ours']['epoch_s'] / med['theirs']['epoch_s'])
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1))
    print(f"loss fwd+bwd per batch of {a.bs}: heptorch {1e3 * med['ours']['batch_s']:.1f} ms, pytorch-inferno {1e3 * med['theirs']['batch_s']:.1f} ms")
    print(f"epoch ({a.n} train + {a.n} valid events): heptorch {med['ours']['epoch_s']:.2f} s, pytorch-inferno {med['theirs']['epoch_s']:.2f} s")
    print(f"inferno_batch_ratio={summary['batch_ratio']:.3f}")
    print(f"inferno_epoch_ratio={summary['epoch_ratio']:.3f}")

if __name__ == '__main__': main()
