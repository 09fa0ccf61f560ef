"""AASIST-L (Jung et al., 2022) re-declared in plain torch, for the pretrained weights.

Training-time only (torch): loads ``models/weights/AASIST-L.pth`` of clovaai/aasist
(MIT, trained on ASVspoof 2019 LA) into a re-declared network, extracts the 160-d
penultimate embedding and the two class logits of the first 64,600 samples (4.04 s,
shorter clips tiled) of a 16 kHz clip, and exports the network to ONNX. The
architecture follows the paper and the published configuration (70 sinc filters, six
residual blocks, spectral / temporal graph attention, two heterogeneous graph branches
with master nodes); inference of the weights reproduces theirs in eval mode (in the
published network the first batch norm of each residual block does not reach the
output, so it is left out here and its weights are ignored).

Usage:
    python training/aasist_l.py WEIGHTS.pth --onnx OUT.onnx    # export, check parity
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aasist_features import N_SAMPLES, first_window

EMBED_DIM = 160
_SR = 16000


def sinc_filters(n_filters: int = 70, kernel: int = 129) -> np.ndarray:
    """Fixed mel-spaced band-pass sinc filters (Hamming windowed): (n_filters, kernel)."""
    f = (_SR / 2) * np.linspace(0, 1, 257)
    mel = 2595 * np.log10(1 + f / 700)
    edges_mel = np.linspace(mel.min(), mel.max(), n_filters + 1)
    edges = 700 * (10 ** (edges_mel / 2595) - 1)
    t = np.arange(-(kernel - 1) / 2, (kernel - 1) / 2 + 1)
    out = np.zeros((n_filters, kernel), np.float32)
    for i in range(n_filters):
        lo, hi = edges[i], edges[i + 1]
        ideal = (2 * hi / _SR) * np.sinc(2 * hi * t / _SR) - (2 * lo / _SR) * np.sinc(
            2 * lo * t / _SR
        )
        out[i] = np.hamming(kernel).astype(np.float32) * ideal.astype(np.float32)
    return out


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, (2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, (2, 3), padding=(0, 1))
        self.conv_downsample = (
            nn.Conv2d(c_in, c_out, (1, 3), padding=(0, 1)) if c_in != c_out else None
        )
        self.mp = nn.MaxPool2d((1, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.selu(self.bn2(self.conv1(x))))
        skip = self.conv_downsample(x) if self.conv_downsample is not None else x
        return self.mp(h + skip)


def _pair_products(x: torch.Tensor) -> torch.Tensor:
    """(b, n, d) -> (b, n, n, d) with entry [i, j] = x_i * x_j."""
    return x.unsqueeze(2) * x.unsqueeze(1)


class GAT(nn.Module):
    def __init__(self, d_in: int, d_out: int, temp: float) -> None:
        super().__init__()
        self.att_proj = nn.Linear(d_in, d_out)
        self.att_weight = nn.Parameter(torch.zeros(d_out, 1))
        self.proj_with_att = nn.Linear(d_in, d_out)
        self.proj_without_att = nn.Linear(d_in, d_out)
        self.bn = nn.BatchNorm1d(d_out)
        self.temp = temp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = torch.tanh(self.att_proj(_pair_products(x))) @ self.att_weight
        a = torch.softmax(a.squeeze(-1) / self.temp, dim=-1)
        h = self.proj_with_att(a @ x) + self.proj_without_att(x)
        b, n, d = h.shape
        return F.selu(self.bn(h.reshape(b * n, d)).reshape(b, n, d))


class HeteroGAT(nn.Module):
    """Graph attention over two node types with a master node."""

    def __init__(self, d_in: int, d_out: int, temp: float) -> None:
        super().__init__()
        self.proj_type1 = nn.Linear(d_in, d_in)
        self.proj_type2 = nn.Linear(d_in, d_in)
        self.att_proj = nn.Linear(d_in, d_out)
        self.att_projM = nn.Linear(d_in, d_out)
        for name in ("att_weight11", "att_weight22", "att_weight12", "att_weightM"):
            setattr(self, name, nn.Parameter(torch.zeros(d_out, 1)))
        self.proj_with_att = nn.Linear(d_in, d_out)
        self.proj_without_att = nn.Linear(d_in, d_out)
        self.proj_with_attM = nn.Linear(d_in, d_out)
        self.proj_without_attM = nn.Linear(d_in, d_out)
        self.bn = nn.BatchNorm1d(d_out)
        self.temp = temp

    def forward(
        self, x1: torch.Tensor, x2: torch.Tensor, master: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n1 = x1.shape[1]
        x = torch.cat([self.proj_type1(x1), self.proj_type2(x2)], dim=1)
        p = torch.tanh(self.att_proj(_pair_products(x)))
        s11 = p[:, :n1, :n1] @ self.att_weight11
        s22 = p[:, n1:, n1:] @ self.att_weight22
        s12 = p[:, :n1, n1:] @ self.att_weight12
        s21 = p[:, n1:, :n1] @ self.att_weight12
        s = torch.cat([torch.cat([s11, s12], 2), torch.cat([s21, s22], 2)], 1).squeeze(-1)
        a = torch.softmax(s / self.temp, dim=-1)
        am = torch.tanh(self.att_projM(x * master)) @ self.att_weightM
        am = torch.softmax(am.squeeze(-1) / self.temp, dim=-1).unsqueeze(1)
        master = self.proj_with_attM(am @ x) + self.proj_without_attM(master)
        h = self.proj_with_att(a @ x) + self.proj_without_att(x)
        b, n, d = h.shape
        h = F.selu(self.bn(h.reshape(b * n, d)).reshape(b, n, d))
        return h[:, :n1], h[:, n1:], master


class GraphPool(nn.Module):
    def __init__(self, ratio: float, d: int) -> None:
        super().__init__()
        self.proj = nn.Linear(d, 1)
        self.ratio = ratio

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        w = torch.sigmoid(self.proj(h))
        k = max(int(h.shape[1] * self.ratio), 1)
        idx = torch.topk(w, k, dim=1).indices.expand(-1, -1, h.shape[2])
        return torch.gather(h * w, 1, idx)


class AasistL(nn.Module):
    """Returns (embedding (b, 160), logits (b, 2): [spoof, bona fide])."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("sinc", torch.from_numpy(sinc_filters()).unsqueeze(1))
        self.first_bn = nn.BatchNorm2d(1)
        chans = [(1, 32), (32, 32), (32, 24), (24, 24), (24, 24), (24, 24)]
        self.encoder = nn.Sequential(*(nn.Sequential(ResBlock(a, b)) for a, b in chans))
        self.pos_S = nn.Parameter(torch.zeros(1, 23, 24))
        self.master1 = nn.Parameter(torch.zeros(1, 1, 24))
        self.master2 = nn.Parameter(torch.zeros(1, 1, 24))
        self.GAT_layer_S = GAT(24, 24, 2.0)
        self.GAT_layer_T = GAT(24, 24, 2.0)
        self.HtrgGAT_layer_ST11 = HeteroGAT(24, 32, 100.0)
        self.HtrgGAT_layer_ST12 = HeteroGAT(32, 32, 100.0)
        self.HtrgGAT_layer_ST21 = HeteroGAT(24, 32, 100.0)
        self.HtrgGAT_layer_ST22 = HeteroGAT(32, 32, 100.0)
        self.pool_S = GraphPool(0.4, 24)
        self.pool_T = GraphPool(0.5, 24)
        self.pool_hS1 = GraphPool(0.7, 32)
        self.pool_hT1 = GraphPool(0.7, 32)
        self.pool_hS2 = GraphPool(0.7, 32)
        self.pool_hT2 = GraphPool(0.7, 32)
        self.out_layer = nn.Linear(160, 2)

    def _branch(
        self,
        t: torch.Tensor,
        s: torch.Tensor,
        master: torch.Tensor,
        layers: tuple[HeteroGAT, HeteroGAT],
        pools: tuple[GraphPool, GraphPool],
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        t1, s1, m1 = layers[0](t, s, master)
        s1, t1 = pools[0](s1), pools[1](t1)
        t2, s2, m2 = layers[1](t1, s1, m1)
        return t1 + t2, s1 + s2, m1 + m2

    def forward(self, wav: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.conv1d(wav.unsqueeze(1), self.sinc).unsqueeze(1)
        x = F.selu(self.first_bn(F.max_pool2d(torch.abs(x), (3, 3))))
        e = torch.abs(self.encoder(x))
        s = self.pool_S(self.GAT_layer_S(e.amax(dim=3).transpose(1, 2) + self.pos_S))
        t = self.pool_T(self.GAT_layer_T(e.amax(dim=2).transpose(1, 2)))
        m1 = self.master1.expand(wav.shape[0], -1, -1)
        m2 = self.master2.expand(wav.shape[0], -1, -1)
        ta, sa, ma = self._branch(
            t,
            s,
            m1,
            (self.HtrgGAT_layer_ST11, self.HtrgGAT_layer_ST12),
            (self.pool_hS1, self.pool_hT1),
        )
        tb, sb, mb = self._branch(
            t,
            s,
            m2,
            (self.HtrgGAT_layer_ST21, self.HtrgGAT_layer_ST22),
            (self.pool_hS2, self.pool_hT2),
        )
        t, s, m = torch.maximum(ta, tb), torch.maximum(sa, sb), torch.maximum(ma, mb)
        emb = torch.cat(
            [t.abs().amax(1), t.mean(1), s.abs().amax(1), s.mean(1), m.squeeze(1)], dim=1
        )
        return emb, self.out_layer(emb)


def load(weights: Path) -> AasistL:
    """The network with the published weights, in eval mode."""
    state = torch.load(weights, map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if ".bn1." not in k}
    net = AasistL()
    missing, unexpected = net.load_state_dict(state, strict=False)
    if [m for m in missing if m != "sinc"] or unexpected:
        raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    return net.eval()


def features(net: AasistL, x: np.ndarray) -> np.ndarray:
    """(162,) float32: the embedding, then spoof and bona fide logits."""
    with torch.inference_mode():
        emb, logit = net(torch.from_numpy(first_window(x))[None])
    return np.concatenate([emb[0].numpy(), logit[0].numpy()]).astype(np.float32)


def export_onnx(net: AasistL, out: Path) -> None:
    dummy = torch.zeros(1, N_SAMPLES)
    torch.onnx.export(
        net,
        (dummy,),
        str(out),
        input_names=["wav"],
        output_names=["embedding", "logits"],
        opset_version=17,
        dynamo=False,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("--onnx", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    net = load(args.weights)
    export_onnx(net, args.onnx)
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(args.onnx), so, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal(N_SAMPLES).astype(np.float32) * 0.05
    ref = features(net, x)
    emb, logit = sess.run(None, {"wav": x[None]})
    got = np.concatenate([emb[0], logit[0]])
    print(f"wrote {args.onnx}; max |onnx - torch| = {np.abs(got - ref).max():.2e}")


if __name__ == "__main__":
    main()
