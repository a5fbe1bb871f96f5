#!/usr/bin/python3
"""PyTorch CPU reference for umwelt's training benchmarks (bench-only; stdlib + torch).

Times the median training step (forward + MSE loss + backward + AdamW step, float32) of three
models and prints ONE JSON object on stdout:

  {"torch": "...", "threads": N, "blas": "...",
   "models": {"mlp": {"step_ms": ..., "gflop_per_s": ..., "flops_per_step": ...},
              "cnn": {...}, "transformer": {...}}}

Usage: /usr/bin/python3 bench/torch_ref.py --threads N [--warmup 5] [--steps 30]

Threads: --threads sets torch.set_num_threads and OPENBLAS/OMP_NUM_THREADS; OMP_WAIT_POLICY
defaults to PASSIVE (see below). Run it with Debian's Python (python3-torch) and the pthread
OpenBLAS selected (`update-alternatives --display libblas.so.3-x86_64-linux-gnu`); the reference
BLAS is ~12x slower.

FLOPs per training step = 3 x forward FLOPs (backward ~ 2 x forward). Forward FLOPs count
2 x multiply-accumulates of every matmul / conv (attention's QK^T and AV included, over the full
T x T score matrix, i.e. the causal mask saves nothing); biases, activations, LayerNorm, softmax,
loss and the optimizer (elementwise ops) are ignored.

  (a) mlp: 128 -> 256 -> 256 -> 64 (ReLU), batch B = 256
      fwd = 2 * B * (128*256 + 256*256 + 256*64)                      = 58,720,256
      step = 3 * fwd                                                  = 176,160,768

  (b) cnn: 64x64x3 input, conv 3x3 stride 2 pad 1, channels 3->32->64->128->128 (ReLU),
      flatten (128*4*4 = 2048), Linear 2048 -> 256; batch B = 32
      conv MACs per sample = sum over layers of H_out * W_out * C_out * C_in * 9
        = 32*32*32*3*9 + 16*16*64*32*9 + 8*8*128*64*9 + 4*4*128*128*9
        = 884,736 + 4,718,592 + 4,718,592 + 2,359,296                 = 12,681,216
      linear MACs per sample = 2048 * 256                             = 524,288
      fwd = 2 * B * (12,681,216 + 524,288)                            = 845,152,256
      step = 3 * fwd                                                  = 2,535,456,768

  (c) transformer: L = 2 pre-LayerNorm layers, d = 128, 4 heads, MLP hidden 4d = 512 (GELU),
      sequence T = 64, batch B = 16, causal mask, input [B, T, d], final LayerNorm, no dropout
      per layer MACs = B * T * (3*d*d [QKV] + d*d [out proj] + 2*d*512 [MLP])
                     + B * 2 * T * T * d [QK^T and AV, summed over heads]
      fwd = 2 * L * (B*T*(4*d*d + 2*d*512) + 2*B*T*T*d)
          = 2 * 2 * (16*64*196,608 + 2*16*64*64*128)                  = 872,415,232
      step = 3 * fwd                                                  = 2,617,245,696
"""
import argparse
import json
import os
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--warmup', type=int, default=5, help='untimed steps per model')
    p.add_argument('--steps', type=int, default=30, help='timed steps per model')
    return p.parse_args()


ARGS = parse_args()
# OpenBLAS (Debian's torch reaches it through libblas.so.3, so torch.set_num_threads does not
# reach it) and OpenMP read these when the libraries load: set them before importing torch.
for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = str(ARGS.threads)
# Torch's OpenMP pool and OpenBLAS's pthread pool are separate; with libgomp's default spin-waiting
# they busy-wait against each other and against other processes, and on a shared 2-core machine
# 2 threads ran 10-20x slower than 1. Passive waiting avoids that (override via the environment).
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import time  # noqa: E402
import statistics  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


# --- analytic FLOPs (see the module docstring) ---------------------------------------------------

def mlp_fwd_flops(batch=256, dims=(128, 256, 256, 64)):
    return 2 * batch * sum(a * b for a, b in zip(dims[:-1], dims[1:]))


def cnn_fwd_flops(batch=32, size=64, chans=(3, 32, 64, 128, 128), out=256):
    macs = 0
    h = size
    for cin, cout in zip(chans[:-1], chans[1:]):
        h = (h + 2 * 1 - 3) // 2 + 1  # 3x3, stride 2, padding 1
        macs += h * h * cout * cin * 9
    macs += h * h * chans[-1] * out
    return 2 * batch * macs


def transformer_fwd_flops(batch=16, seq=64, d=128, hidden=512, layers=2):
    per_layer = batch * seq * (4 * d * d + 2 * d * hidden) + 2 * batch * seq * seq * d
    return 2 * layers * per_layer


# --- models --------------------------------------------------------------------------------------

def make_mlp():
    model = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 64))
    x = torch.randn(256, 128)
    y = torch.randn(256, 64)
    return model, (lambda: model(x)), y, mlp_fwd_flops()


def make_cnn():
    layers = []
    chans = (3, 32, 64, 128, 128)
    for cin, cout in zip(chans[:-1], chans[1:]):
        layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 4 * 4, 256))
    x = torch.randn(32, 3, 64, 64)
    y = torch.randn(32, 256)
    return model, (lambda: model(x)), y, cnn_fwd_flops()


def make_transformer():
    d, heads, hidden, seq, batch = 128, 4, 512, 64, 16
    layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=hidden, dropout=0.0, activation='gelu',
                                       batch_first=True, norm_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(d), enable_nested_tensor=False)
    mask = torch.triu(torch.full((seq, seq), float('-inf')), diagonal=1)
    x = torch.randn(batch, seq, d)
    y = torch.randn(batch, seq, d)
    return model, (lambda: model(x, mask=mask)), y, transformer_fwd_flops()


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(0)
    loss_fn = nn.MSELoss()
    models = {}
    for name, make in (('mlp', make_mlp), ('cnn', make_cnn), ('transformer', make_transformer)):
        model, forward, target, fwd_flops = make()
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

        def step(model=model, forward=forward, target=target, opt=opt):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(forward(), target)
            loss.backward()
            opt.step()
            return loss

        models[name] = {'step': step, 'flops': 3 * fwd_flops, 'times': []}

    for m in models.values():
        for _ in range(ARGS.warmup):
            m['step']()
    # Interleave the models step by step so that load from other processes spreads evenly.
    for _ in range(ARGS.steps):
        for m in models.values():
            t0 = time.perf_counter()
            m['step']()
            m['times'].append(time.perf_counter() - t0)

    out_models = {}
    for name, m in models.items():
        t = statistics.median(m['times'])
        out_models[name] = {
            'step_ms': round(t * 1000, 4),
            'gflop_per_s': round(m['flops'] / t / 1e9, 3),
            'flops_per_step': m['flops'],
        }
    blas = ''
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
        blas = ','.join(sorted(os.path.realpath(p) for p in libs))
    except OSError:
        pass
    json.dump({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas,
               'models': out_models}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
