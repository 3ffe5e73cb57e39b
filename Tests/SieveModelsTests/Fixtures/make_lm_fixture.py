#!/usr/bin/env python3
"""Writes lm-{tied,untied}-{weights,grads}.safetensors and lm-fixtures.json: tiny
Qwen3-style decoders with random weights, a batch of two packed rows (one holding two
documents), and the loss, each position's target log-probability and every parameter's
gradient, computed by an independent implementation in PyTorch (float64, autograd).

    python3 Tests/SieveModelsTests/Fixtures/make_lm_fixture.py
"""
import json, math, os
import torch
from safetensors_writer import save

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)


def rms(x, w, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rope(x, positions, theta):
    hd = x.shape[-1]
    inv = torch.tensor([theta ** (-2 * i / hd) for i in range(hd // 2)], dtype=torch.float64)
    angle = positions[..., None].double() * inv            # B, T, hd/2
    cos, sin = angle.cos()[:, :, None, :], angle.sin()[:, :, None, :]
    a, b = x[..., : hd // 2], x[..., hd // 2:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], -1)


def forward(p, c, tokens, targets, positions, segments):
    B, T = tokens.shape
    H, KV, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    x = p["model.embed_tokens.weight"][tokens]
    causal = torch.arange(T)[None, :] <= torch.arange(T)[:, None]                  # [t, s]: s <= t
    mask = causal[None] & (segments[:, None, :] == segments[:, :, None])          # B, t, s
    for i in range(c["num_hidden_layers"]):
        w = lambda n: p[f"model.layers.{i}.{n}.weight"]
        h = rms(x, w("input_layernorm"), c["rms_norm_eps"])
        q = (h @ w("self_attn.q_proj").T).view(B, T, H, hd)
        k = (h @ w("self_attn.k_proj").T).view(B, T, KV, hd)
        v = (h @ w("self_attn.v_proj").T).view(B, T, KV, hd)
        q = rope(rms(q, w("self_attn.q_norm"), c["rms_norm_eps"]), positions, c["rope_theta"])
        k = rope(rms(k, w("self_attn.k_norm"), c["rms_norm_eps"]), positions, c["rope_theta"])
        k, v = k.repeat_interleave(H // KV, dim=2), v.repeat_interleave(H // KV, dim=2)
        scores = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(hd)
        scores = scores.masked_fill(~mask[:, None], float("-inf"))
        o = torch.einsum("bhts,bshd->bthd", scores.softmax(-1), v).reshape(B, T, H * hd)
        x = x + o @ w("self_attn.o_proj").T
        h2 = rms(x, w("post_attention_layernorm"), c["rms_norm_eps"])
        x = x + (torch.nn.functional.silu(h2 @ w("mlp.gate_proj").T) * (h2 @ w("mlp.up_proj").T)) @ w("mlp.down_proj").T
    head = p["model.embed_tokens.weight"] if c["tie_word_embeddings"] else p["lm_head.weight"]
    logp = (rms(x, p["model.norm.weight"], c["rms_norm_eps"]) @ head.T).log_softmax(-1)
    valid = targets >= 0
    lp = logp.gather(-1, targets.clamp(min=0)[..., None])[..., 0] * valid
    return -lp.sum() / valid.sum(), lp


def shapes(c):
    d, qd, kd, f, v = c["hidden_size"], c["num_attention_heads"] * c["head_dim"], c["num_key_value_heads"] * c["head_dim"], c["intermediate_size"], c["vocab_size"]
    s = {"model.embed_tokens.weight": [v, d], "model.norm.weight": [d]}
    for i in range(c["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        s.update({pre + "input_layernorm.weight": [d], pre + "self_attn.q_proj.weight": [qd, d], pre + "self_attn.k_proj.weight": [kd, d],
                  pre + "self_attn.v_proj.weight": [kd, d], pre + "self_attn.o_proj.weight": [d, qd],
                  pre + "self_attn.q_norm.weight": [c["head_dim"]], pre + "self_attn.k_norm.weight": [c["head_dim"]],
                  pre + "post_attention_layernorm.weight": [d], pre + "mlp.gate_proj.weight": [f, d], pre + "mlp.up_proj.weight": [f, d],
                  pre + "mlp.down_proj.weight": [d, f]})
    if not c["tie_word_embeddings"]:
        s["lm_head.weight"] = [v, d]
    return s


T = 12
tokens = torch.randint(0, 50, (2, T))
segments = torch.tensor([[0] * 5 + [1] * 7, [0] * T])
positions = torch.tensor([list(range(5)) + list(range(7)), list(range(T))])
targets = torch.cat([tokens[:, 1:], torch.full((2, 1), -1)], 1)
targets[1, 3] = -1
out = {"tokens": tokens.tolist(), "targets": targets.tolist(), "positions": positions.tolist(), "segments": segments.tolist()}
for name, tied in (("tied", True), ("untied", False)):
    c = {"vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
         "head_dim": 8, "intermediate_size": 48, "seq_len": T, "rope_theta": 10000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": tied}
    p = {}
    for n, s in shapes(c).items():
        t = (1 + 0.1 * torch.randn(s)) if n.endswith("norm.weight") else 0.3 * torch.randn(s)
        p[n] = t.float().double().requires_grad_()   # float32 values, as the Swift side reads them
    loss, lp = forward(p, c, tokens, targets, positions, segments)
    loss.backward()
    save({n: t.detach().float() for n, t in p.items()}, os.path.join(HERE, f"lm-{name}-weights.safetensors"))
    save({n: t.grad.float() for n, t in p.items()}, os.path.join(HERE, f"lm-{name}-grads.safetensors"))
    out[name] = {"config": c, "loss": loss.item(), "log_probabilities": lp.flatten().tolist()}
    print(name, "loss", loss.item())
json.dump(out, open(os.path.join(HERE, "lm-fixtures.json"), "w"), indent=0)
