#!/usr/bin/env python3
"""Small-LM throughput: Sieve's decoder vs the same model in PyTorch on CPU, same config
(4 layers, width 256, 4 query / 2 key-value heads of 64, SwiGLU 768, tied 4,096-token
vocabulary), same sequence length (256), batch (8 rows) and thread count, in one run.

    python3 Benchmarks/lm/bench.py [--threads 1,2] [--steps 5]

Training: forward, backward and AdamW per step; inference: a forward pass with the
loss. Both on random tokens, one document a row, after one untimed warm-up; median
tokens/s over --steps. Sieve runs `sieve-bench-lm` (release build); PyTorch uses
F.scaled_dot_product_attention (causal) and F.rms_norm, its fastest CPU paths, in a
child process with torch.set_num_threads(N). Sieve also prints its training step's
seconds by kind of work (matrix multiplies, attention, the rest, the optimizer).
"""
import argparse, json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402

TORCH = r"""
import json, statistics, sys, time
import torch, torch.nn.functional as F
threads, steps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)
V, D, L, H, KV, HD, FF, T, B = 4096, 256, 4, 4, 2, 64, 768, 256, 8

class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = torch.nn.Parameter(torch.ones(D)), torch.nn.Parameter(torch.ones(D))
        self.qn, self.kn = torch.nn.Parameter(torch.ones(HD)), torch.nn.Parameter(torch.ones(HD))
        self.q, self.k, self.v = (torch.nn.Linear(D, H * HD, bias=False), torch.nn.Linear(D, KV * HD, bias=False),
                                  torch.nn.Linear(D, KV * HD, bias=False))
        self.o = torch.nn.Linear(H * HD, D, bias=False)
        self.g, self.u, self.d = torch.nn.Linear(D, FF, bias=False), torch.nn.Linear(D, FF, bias=False), torch.nn.Linear(FF, D, bias=False)

    def forward(self, x, cos, sin):
        h = F.rms_norm(x, (D,), self.n1, 1e-6)
        q = F.rms_norm(self.q(h).view(B, T, H, HD), (HD,), self.qn, 1e-6).transpose(1, 2)
        k = F.rms_norm(self.k(h).view(B, T, KV, HD), (HD,), self.kn, 1e-6).transpose(1, 2)
        v = self.v(h).view(B, T, KV, HD).transpose(1, 2)
        rot = lambda t: t * cos + torch.cat([-t[..., HD // 2:], t[..., :HD // 2]], -1) * sin
        q, k = rot(q), rot(k)
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, H * HD)
        x = x + self.o(a)
        h = F.rms_norm(x, (D,), self.n2, 1e-6)
        return x + self.d(F.silu(self.g(h)) * self.u(h))

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.e = torch.nn.Embedding(V, D)
        self.layers = torch.nn.ModuleList(Layer() for _ in range(L))
        self.n = torch.nn.Parameter(torch.ones(D))
        inv = 10000.0 ** (-torch.arange(0, HD, 2).float() / HD)
        ang = torch.arange(T).float()[:, None] * inv[None]
        self.register_buffer("cos", torch.cat([ang.cos(), ang.cos()], -1))
        self.register_buffer("sin", torch.cat([ang.sin(), ang.sin()], -1))

    def forward(self, tokens, targets):
        x = self.e(tokens)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin)
        logits = F.rms_norm(x, (D,), self.n, 1e-6) @ self.e.weight.T
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))

model = Model()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
tokens, targets = torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))
train, forward = [], []
for step in range(steps + 1):
    t = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    model(tokens, targets).backward()
    opt.step()
    if step: train.append(time.perf_counter() - t)
with torch.no_grad():
    for step in range(steps + 1):
        t = time.perf_counter()
        model(tokens, targets)
        if step: forward.append(time.perf_counter() - t)
n = B * T
print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()), "train_tokens_per_s": n / statistics.median(train),
                  "forward_tokens_per_s": n / statistics.median(forward), "torch": torch.__version__}))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    exe = os.path.join(timing.release_build(ROOT, "sieve-bench-lm"), "sieve-bench-lm")
    print(f"{'threads':>7} {'':8} {'params':>9} {'train tok/s':>12} {'infer tok/s':>12}   Sieve's step: matmul / attention / other / AdamW")
    for threads in [int(t) for t in args.threads.split(",")]:
        s = json.loads(subprocess.run([exe, "--threads", str(threads), "--steps", str(args.steps)], check=True,
                                      capture_output=True, text=True).stdout)
        t = json.loads(subprocess.run([sys.executable, "-c", TORCH, str(threads), str(args.steps)], check=True,
                                      capture_output=True, text=True).stdout)
        share = lambda k: 100 * s[k] / s["step_s"]
        print(f"{threads:>7} {'sieve':8} {s['parameters']:>9} {s['train_tokens_per_s']:>12.0f} {s['forward_tokens_per_s']:>12.0f}   "
              f"{share('matmul_s'):.0f}% / {share('attention_s'):.0f}% / {share('other_s'):.0f}% / {share('optimizer_s'):.0f}% "
              f"of {s['step_s']:.3f} s")
        print(f"{threads:>7} {'pytorch':8} {t['parameters']:>9} {t['train_tokens_per_s']:>12.0f} {t['forward_tokens_per_s']:>12.0f}   "
              f"torch {t['torch']}")
        print(f"{threads:>7} {'ratio':8} {'':>9} {s['train_tokens_per_s'] / t['train_tokens_per_s']:>11.2f}x "
              f"{s['forward_tokens_per_s'] / t['forward_tokens_per_s']:>11.2f}x")


if __name__ == "__main__":
    main()
