"""The demo defect detector: a small CenterNet-style fully-convolutional network (torch), and its training targets.

Backbone of Conv+BN+ReLU blocks down to stride 32, a top-down feature pyramid (nearest upsampling + add) back to
stride 4, and two heads at stride 4: ``heatmap`` (sigmoid, one channel a class) and ``box`` (dx, dy, log w, log h in
cells). Only Conv, BatchNorm, ReLU6 (Clip), Resize, Add and Sigmoid: everything onnxruntime's static int8 QDQ quantises.
ReLU6 bounds every activation to [0, 6], so a MinMax calibration spends its 256 levels on that range rather than on
rare outliers (plain ReLU lost about 2 points of mAP@0.5 to int8 here; the stem was the most sensitive layer).
Layers are at least 24 channels wide so that int8 kernels have work to do.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

STRIDE = 4
SIZE_MULTIPLE = 32
_SIGMA_FACTOR = 0.54 / 6  # TTFNet's elliptical Gaussian: sigma = 0.54 * side / 6
_MIN_SIGMA = 0.6  # cells
_REGRESSION_MIN_WEIGHT = 0.4  # cells whose Gaussian is at least this learn the box


def conv_bn_relu(cin: int, cout: int, kernel: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU6(inplace=True))


class DefectNet(nn.Module):
    def __init__(self, num_classes: int = 3, widths: tuple[int, ...] = (24, 32, 64, 96, 128), neck: int = 64,
                 head: int = 48) -> None:
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.stem = conv_bn_relu(3, w0, stride=2)  # /2
        self.stage4 = nn.Sequential(conv_bn_relu(w0, w1, stride=2), conv_bn_relu(w1, w1))  # /4
        self.stage8 = nn.Sequential(conv_bn_relu(w1, w2, stride=2), conv_bn_relu(w2, w2))  # /8
        self.stage16 = nn.Sequential(conv_bn_relu(w2, w3, stride=2), conv_bn_relu(w3, w3))  # /16
        self.stage32 = nn.Sequential(conv_bn_relu(w3, w4, stride=2), conv_bn_relu(w4, w4))  # /32
        self.lateral = nn.ModuleList([conv_bn_relu(c, neck, kernel=1) for c in (w1, w2, w3, w4)])
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.smooth = conv_bn_relu(neck, neck)
        self.heat_head = nn.Sequential(conv_bn_relu(neck, head), nn.Conv2d(head, num_classes, 1))
        self.box_head = nn.Sequential(conv_bn_relu(neck, head), nn.Conv2d(head, 4, 1))
        nn.init.constant_(self.heat_head[-1].bias, -2.19)  # prior 0.1, as CenterNet
        nn.init.zeros_(self.box_head[-1].bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c4 = self.stage4(self.stem(x))
        c8 = self.stage8(c4)
        c16 = self.stage16(c8)
        c32 = self.stage32(c16)
        p = self.lateral[3](c32)
        p = self.up(p) + self.lateral[2](c16)
        p = self.up(p) + self.lateral[1](c8)
        p = self.up(p) + self.lateral[0](c4)
        p = self.smooth(p)
        return torch.sigmoid(self.heat_head(p)), self.box_head(p)


def build_targets(boxes_per_image, num_classes: int, grid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heatmap (N, C, g, g), box regression (N, 4, g, g) and its weights (N, 1, g, g) for boxes in input pixels."""
    n = len(boxes_per_image)
    heat = np.zeros((n, num_classes, grid, grid), np.float32)
    reg = np.zeros((n, 4, grid, grid), np.float32)
    weight = np.zeros((n, 1, grid, grid), np.float32)
    ys, xs = np.mgrid[0:grid, 0:grid].astype(np.float32)
    for i, boxes in enumerate(boxes_per_image):
        # large boxes first so that a small box wins the cells they share
        for x1, y1, x2, y2, label in sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
            cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
            w, h = (x2 - x1) / STRIDE, (y2 - y1) / STRIDE
            ci, cj = min(int(cy), grid - 1), min(int(cx), grid - 1)
            sx, sy = max(_SIGMA_FACTOR * w, _MIN_SIGMA), max(_SIGMA_FACTOR * h, _MIN_SIGMA)
            g = np.exp(-((xs - cj) ** 2) / (2 * sx * sx) - ((ys - ci) ** 2) / (2 * sy * sy))
            heat[i, int(label)] = np.maximum(heat[i, int(label)], g)
            heat[i, int(label), ci, cj] = 1.0
            cells = g >= _REGRESSION_MIN_WEIGHT
            reg[i, 0][cells] = cx - xs[cells]
            reg[i, 1][cells] = cy - ys[cells]
            reg[i, 2][cells] = np.log(w)
            reg[i, 3][cells] = np.log(h)
            weight[i, 0][cells] = g[cells]
    return heat, reg, weight


def focal_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced pixel-wise focal loss."""
    pred = pred.clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1.0 - pos
    pos_loss = (torch.log(pred) * (1 - pred) ** 2 * pos).sum()
    neg_loss = (torch.log(1 - pred) * pred**2 * (1 - target) ** 4 * neg).sum()
    return -(pos_loss + neg_loss) / pos.sum().clamp(min=1.0)


def box_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted L1 on (dx, dy, log w, log h) at the cells near each centre."""
    return (torch.abs(pred - target) * weight).sum() / (weight.sum() * 4).clamp(min=1.0)


def _corners(reg: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(dx, dy, log w, log h) maps -> x1, y1, x2, y2 in cells, as the decoder reads them (the cell's own index
    cancels out of IoU, so it is left out)."""
    w, h = torch.exp(reg[:, 2].clamp(max=6.0)), torch.exp(reg[:, 3].clamp(max=6.0))
    return reg[:, 0] - w / 2, reg[:, 1] - h / 2, reg[:, 0] + w / 2, reg[:, 1] + h / 2


def giou_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted 1 - GIoU between the decoded predicted and true boxes at the cells near each centre (TTFNet): the
    thin scratch and crack boxes need their width right to the pixel, which L1 on log-sizes does not insist on."""
    px1, py1, px2, py2 = _corners(pred)
    tx1, ty1, tx2, ty2 = _corners(target)
    inter_w = (torch.min(px2, tx2) - torch.max(px1, tx1)).clamp(min=0)
    inter = inter_w * (torch.min(py2, ty2) - torch.max(py1, ty1)).clamp(min=0)
    union = (px2 - px1) * (py2 - py1) + (tx2 - tx1) * (ty2 - ty1) - inter
    hull = (torch.max(px2, tx2) - torch.min(px1, tx1)) * (torch.max(py2, ty2) - torch.min(py1, ty1))
    giou = inter / union.clamp(min=1e-6) - (hull - union) / hull.clamp(min=1e-6)
    w = weight[:, 0]
    return ((1.0 - giou) * w).sum() / w.sum().clamp(min=1.0)
