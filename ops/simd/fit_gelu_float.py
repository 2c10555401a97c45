#!/usr/bin/python3
"""Fits the coefficients of ops/simd/gelu_float.hpp (numpy only, against math.erfc in
double) and prints them with the worst relative error of each fit.

    /usr/bin/python3 ops/simd/fit_gelu_float.py

R(a) = Phi(-a) exp(a^2 / 2) as a degree-8 polynomial in t = 1 / (1 + 0.3 a) over
a in [0, 12.5], and exp(r) as a degree-5 polynomial over |r| <= ln 2 / 2. Both fits
minimise the largest relative error, by Lawson's iteration (least squares reweighted by
each point's error) on Chebyshev points of the interval.
"""
import math

import numpy as np


def lawson(x, y, degree, iterations=400):
    basis = np.vander(x, degree + 1, increasing=True) / y[:, None]
    weights = np.full(len(x), 1.0 / len(x))
    for _ in range(iterations):
        root = np.sqrt(weights)
        coef, *_ = np.linalg.lstsq(basis * root[:, None], root, rcond=None)
        err = np.abs(basis @ coef - 1)
        weights = weights * err
        weights /= weights.sum()
    return coef, np.max(np.abs(basis @ coef - 1))


def chebyshev_points(lo, hi, n=5000):
    return lo + (hi - lo) * (np.cos(np.linspace(math.pi, 0, n)) + 1) / 2


def show(name, coef, err):
    print(f"{name}: worst relative error {err:.3g}")
    print("  lowest degree first:", ", ".join(f"{np.float32(c):.9g}" for c in coef))


erfc = np.frompyfunc(math.erfc, 1, 1)
P, A_MAX = 0.3, 12.5
t = chebyshev_points(1 / (1 + P * A_MAX), 1.0)
a = (1 / t - 1) / P
mills = (0.5 * erfc(a / math.sqrt(2)).astype(np.float64)) * np.exp(a * a / 2)
show("R(a) in t = 1 / (1 + 0.3 a)", *lawson(t, mills, 8))

r = chebyshev_points(-math.log(2) / 2 * 1.0005, math.log(2) / 2 * 1.0005, 4000)
show("exp(r)", *lawson(r, np.exp(r), 5))
