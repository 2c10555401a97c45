#!/usr/bin/env python3
"""Which points to build Winograd's F(4x4, 3x3) on, for ops/simd/winograd_f43_avx2.cpp.

Builds the Toom-Cook matrices A^T, G and B^T of F(4, 3) for five finite points and
infinity (exactly, with fractions), checks them against a direct 1-D correlation, and
simulates the 2-D pipeline in float32 over 32 input channels (input transform, products
summed over the channels, output transform) against float64, printing the largest
error relative to the largest output for 4 random batches of 2000 tiles per point set.

    python3 ops/simd/winograd_points.py        (needs NumPy)
"""
from fractions import Fraction as Fr

import numpy as np


def matrices(points, m=4, r=3):
    n = m + r - 1
    p = [Fr(x) for x in points]
    at = [[p[j] ** i for j in range(n - 1)] + [1 if i == m - 1 else 0] for i in range(m)]
    g = []
    for j in range(n - 1):
        f = Fr(1)
        for k in range(n - 1):
            if k != j:
                f *= p[j] - p[k]
        g.append([p[j] ** k / f for k in range(r)])
    g.append([1 if k == r - 1 else 0 for k in range(r)])

    def poly(roots):  # coefficients of prod (x - root), lowest power first
        c = [Fr(1)]
        for root in roots:
            c = [Fr(0)] + c
            for i in range(len(c) - 1):
                c[i] -= root * c[i + 1]
        return c

    bt = []
    for j in range(n - 1):
        c = poly([p[k] for k in range(n - 1) if k != j])
        bt.append(c + [Fr(0)] * (n - len(c)))
    c = poly(p)
    bt.append(c + [Fr(0)] * (n - len(c)))
    as_array = lambda rows: np.array([[float(x) for x in row] for row in rows])
    return as_array(at), as_array(g), as_array(bt)


def relative_error(points, rng, channels=32, tiles=2000):
    at, g, bt = matrices(points)
    d, w = rng.standard_normal(6), rng.standard_normal(3)
    direct = [sum(d[i + k] * w[k] for k in range(3)) for i in range(4)]
    assert np.allclose(at @ ((g @ w) * (bt @ d)), direct), points
    f32 = np.float32
    x = rng.standard_normal((tiles, channels, 6, 6)).astype(f32)
    k = (rng.standard_normal((channels, 3, 3)) / np.sqrt(9 * channels)).astype(f32)
    want = np.zeros((tiles, 4, 4))
    for i in range(4):
        for j in range(4):
            want[:, i, j] = np.einsum("tcab,cab->t", x[:, :, i:i + 3, j:j + 3].astype(np.float64), k.astype(np.float64))
    u = np.einsum("ia,cab,jb->cij", g, k.astype(np.float64), g).astype(f32)
    v = np.einsum("ia,tcab->tcib", bt.astype(f32), x).astype(f32)
    v = np.einsum("tcib,jb->tcij", v, bt.astype(f32)).astype(f32)
    mm = np.einsum("tcij,cij->tij", v, u).astype(f32)
    y = np.einsum("ia,tab->tib", at.astype(f32), mm).astype(f32)
    y = np.einsum("tib,jb->tij", y, at.astype(f32)).astype(f32)
    return np.abs(y - want).max() / np.abs(want).max()


def main():
    rng = np.random.default_rng(0)
    half = Fr(1, 2)
    for points in ([0, 1, -1, 2, -2], [0, 1, -1, 2, -half], [0, 1, -1, half, -2], [0, 1, -1, half, -half],
                   [0, 1, -1, 2, half], [0, 1, -1, -2, -half]):
        errors = [relative_error(points, rng) for _ in range(4)]
        print(", ".join(str(x) for x in points), "and infinity:", " ".join("%.2e" % e for e in errors))


if __name__ == "__main__":
    main()
