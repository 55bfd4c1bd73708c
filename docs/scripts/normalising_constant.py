"""Check the normalising constant of p(s | x, g) stated by Grabovoy & Strijov (2021).

The paper states that C * prod_k g_k ** s_k is a probability density when
C = (-1)**K K**(K/2) / 2**(K(K-1)/2) * prod_k g_k log g_k. We compare that C
with the constants that do normalise prod_k g_k ** s_k over two domains of s:
the orthant s >= 0 (closed form) and the probability simplex (numerical
integration, checked against the closed form for distinct g_k).
"""

import numpy as np
from scipy import integrate

g = np.array([0.2, 0.3, 0.5])
K = g.size
log_g = np.log(g)

stated = (-1) ** K * K ** (K / 2) / 2 ** (K * (K - 1) / 2) * np.prod(g * log_g)

# Orthant: integral over s_k >= 0 of prod_k g_k**s_k = prod_k 1 / (-log g_k).
orthant_integral = np.prod(1.0 / -log_g)

# Simplex {s >= 0, s_1 + s_2 + s_3 = 1}, parametrised by (s_1, s_2).
simplex_integral, error = integrate.dblquad(
    lambda s2, s1: g[0] ** s1 * g[1] ** s2 * g[2] ** (1.0 - s1 - s2),
    0.0,
    1.0,
    lambda s1: 0.0,
    lambda s1: 1.0 - s1,
)
# Closed form: sum_k g_k / prod_{j != k} log(g_k / g_j).
simplex_closed = sum(
    g[k] / np.prod([log_g[k] - log_g[j] for j in range(K) if j != k]) for k in range(K)
)

print(f"g = {g.tolist()}, K = {K}")
print(f"stated C (paper)                         {stated:.4f}")
print(
    f"orthant s >= 0:  integral {orthant_integral:.4f}   normalising C = {1 / orthant_integral:.4f}"
)
print(
    f"simplex:         integral {simplex_integral:.4f}   normalising C = {1 / simplex_integral:.4f}"
)
print(f"simplex closed form integral {simplex_closed:.4f}, quadrature error estimate {error:.0e}")
print(
    f"stated C / orthant C = {stated * orthant_integral:.4f} = "
    f"K^(K/2) / 2^(K(K-1)/2) * prod g = {K ** (K / 2) / 2 ** (K * (K - 1) / 2) * np.prod(g):.4f}"
)
