#!/usr/bin/env python3
"""Golden values for Tests/ReelOptimTests (dev only; the Swift tests never run Python).

    python3 Scripts/make_optim_fixtures.py

Needs torch (2.15) and the `safetensors` package. Writes
Tests/ReelOptimTests/Fixtures/adamw_golden.safetensors with:

  init.<p>        initial values of three parameters: W (4, 5) and s (3,) with
                  weight decay, b (13,) without (a second param group), so the
                  SIMD body and the scalar tail of the Swift loop are both used
  grad.<p>        the gradient fed at each step, shape (STEPS, ...); scaled so
                  that clipping is active on some steps and not on others
  norm            (STEPS,) torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
  lr              (STEPS,) F64, the learning rate used at each step, from
                  SequentialLR(LinearLR(1/WARMUP .. 1, WARMUP - 1 iters),
                  CosineAnnealingLR(TOTAL - WARMUP, eta_min=MIN_LR), [WARMUP])
  param.<p>       parameter values after each step, (STEPS, ...)
  ema.<p>         EMA weights after each step: ema.lerp_(p, 1 - d),
                  d = min(EMA_DECAY, (1 + n) / (10 + n)), (STEPS, ...)
  exp_avg.<p>, exp_avg_sq.<p>   AdamW moments after the last step
  schedule_lr     (TOTAL + 1,) F64, the same schedule over its whole length

Each step: set p.grad, clip_grad_norm_, AdamW.step (foreach=False, the
single-tensor path PyTorch uses on CPU), scheduler.step(), EMA update.
Hyperparameters are in the metadata.
"""
import math
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "ReelOptimTests", "Fixtures", "adamw_golden.safetensors")

STEPS = 10
MAX_NORM = 1.0
PEAK_LR = 0.05
MIN_LR = 0.005
WARMUP = 3
TOTAL = 10
BETAS = (0.9, 0.95)
EPS = 1e-8
WEIGHT_DECAY = 0.1
EMA_DECAY = 0.99


def main():
    torch.manual_seed(1234)
    shapes = {"W": (4, 5), "b": (13,), "s": (3,)}
    init = {k: torch.randn(*v) for k, v in shapes.items()}
    params = {k: torch.nn.Parameter(v.clone()) for k, v in init.items()}
    # Gradient scale per step: large ones get clipped, small ones do not.
    scales = [0.05, 2.0, 0.3, 5.0, 0.1, 1.0, 0.02, 3.0, 0.5, 0.2]
    grads = {k: torch.stack([torch.randn(*v) * sc for sc in scales]) for k, v in shapes.items()}

    opt = torch.optim.AdamW(
        [{"params": [params["W"], params["s"]], "weight_decay": WEIGHT_DECAY},
         {"params": [params["b"]], "weight_decay": 0.0}],
        lr=PEAK_LR, betas=BETAS, eps=EPS, foreach=False)
    sched = torch.optim.lr_scheduler.SequentialLR(
        opt,
        [torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / WARMUP, end_factor=1.0, total_iters=WARMUP - 1),
         torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=TOTAL - WARMUP, eta_min=MIN_LR)],
        milestones=[WARMUP])
    ema = {k: v.detach().clone() for k, v in params.items()}

    order = ["W", "b", "s"]   # clip_grad_norm_ sees the parameters in this order
    norms, lrs = [], []
    after = {k: [] for k in order}
    ema_after = {k: [] for k in order}
    for step in range(STEPS):
        for k in order:
            params[k].grad = grads[k][step].clone()
        norms.append(float(torch.nn.utils.clip_grad_norm_([params[k] for k in order], MAX_NORM)))
        lrs.append(opt.param_groups[0]["lr"])
        assert opt.param_groups[1]["lr"] == lrs[-1]
        opt.step()
        sched.step()
        d = min(EMA_DECAY, (1 + step) / (10 + step))
        with torch.no_grad():
            for k in order:
                ema[k].lerp_(params[k], 1 - d)
        for k in order:
            after[k].append(params[k].detach().clone())
            ema_after[k].append(ema[k].clone())

    # The schedule over its whole length, on a throwaway optimizer.
    dummy = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=PEAK_LR)
    s2 = torch.optim.lr_scheduler.SequentialLR(
        dummy,
        [torch.optim.lr_scheduler.LinearLR(dummy, start_factor=1.0 / WARMUP, end_factor=1.0, total_iters=WARMUP - 1),
         torch.optim.lr_scheduler.CosineAnnealingLR(dummy, T_max=TOTAL - WARMUP, eta_min=MIN_LR)],
        milestones=[WARMUP])
    schedule_lr = []
    for _ in range(TOTAL + 1):
        schedule_lr.append(dummy.param_groups[0]["lr"])
        dummy.step()
        s2.step()

    out = {
        "norm": torch.tensor(norms, dtype=torch.float32),
        "lr": torch.tensor(lrs, dtype=torch.float64),
        "schedule_lr": torch.tensor(schedule_lr, dtype=torch.float64),
    }
    for k in order:
        out[f"init.{k}"] = init[k]
        out[f"grad.{k}"] = grads[k]
        out[f"param.{k}"] = torch.stack(after[k])
        out[f"ema.{k}"] = torch.stack(ema_after[k])
        st = opt.state[params[k]]
        out[f"exp_avg.{k}"] = st["exp_avg"].clone()
        out[f"exp_avg_sq.{k}"] = st["exp_avg_sq"].clone()
        assert int(st["step"]) == STEPS
    meta = {
        "steps": str(STEPS), "max_norm": repr(MAX_NORM), "peak_lr": repr(PEAK_LR), "min_lr": repr(MIN_LR),
        "warmup": str(WARMUP), "total": str(TOTAL), "beta1": repr(BETAS[0]), "beta2": repr(BETAS[1]),
        "eps": repr(EPS), "weight_decay": repr(WEIGHT_DECAY), "ema_decay": repr(EMA_DECAY),
        "torch": torch.__version__,
    }
    save_file(out, OUT, metadata=meta)
    print(OUT, os.path.getsize(OUT), "bytes; norms", [round(n, 3) for n in norms])


if __name__ == "__main__":
    main()
