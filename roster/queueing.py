"""Queueing formulas, vectorised over intervals (numpy arrays in, arrays out).

Conventions: ``lam`` arrivals per second, ``aht_s`` mean handle time in
seconds, ``n`` agents (servers), ``t_s`` the answer-time target in seconds.
Offered load ``a = lam * aht_s`` in Erlangs.

Erlang C (M/M/n) uses the Erlang B recursion, which is numerically stable for
any number of agents (no factorials, no overflow). Erlang A (M/M/n+M) uses
the exact birth-death chain with exponential patience; the service level is
the share of *all* callers answered within ``t_s`` (abandons count as misses):

    SL = P(k < n) + sum_j P(k = n + j) * n mu / (n mu + (j + 1) theta) * P(S_{j+1} <= t)

where ``S_m`` is the time to move through ``m`` queue positions, a sum of
exponentials with rates ``n mu + i theta`` (i = 1..m), computed for every
``m`` at once as the state of a pure-birth process by uniformisation.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

MAX_AGENTS = 20_000


def erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Blocking probability B(n, a) by the stable recursion, vectorised."""
    n = np.asarray(n, dtype=np.int64)
    a = np.asarray(a, dtype=float)
    n, a = np.broadcast_arrays(n, a)
    b = np.ones(a.shape)
    top = int(n.max()) if n.size else 0
    out = np.where(n == 0, 1.0, np.nan)
    for k in range(1, top + 1):
        b = a * b / (k + a * b)
        out = np.where(n == k, b, out)
    return out


def erlang_c(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Probability that an arrival waits (M/M/n); 1 where ``n <= a``."""
    n = np.asarray(n, dtype=float)
    a = np.asarray(a, dtype=float)
    b = erlang_b(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b / (1.0 - (a / n) * (1.0 - b))
    c = np.where(n > a, c, 1.0)
    return np.where(a <= 0, 0.0, np.clip(c, 0.0, 1.0))


def _c_from_b(n, a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b / (1.0 - (a / n) * (1.0 - b))
    return np.where(a <= 0, 0.0, np.where(n > a, np.clip(c, 0.0, 1.0), 1.0))


def erlang_c_metrics(n, a, aht_s, t_s) -> dict[str, np.ndarray]:
    """Service level within ``t_s``, ASA (s), wait probability and occupancy at ``n`` agents."""
    n = np.asarray(n, dtype=float)
    a = np.asarray(a, dtype=float)
    aht_s = np.asarray(aht_s, dtype=float)
    c = erlang_c(n, a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(stable, 1.0 - c * np.exp(-(n - a) * t_s / aht_s), 0.0)
        asa = np.where(stable, c * aht_s / (n - a), np.inf)
        occ = np.where(n > 0, np.minimum(a / n, 1.0), 0.0)
    sl = np.where(a <= 0, 1.0, sl)
    asa = np.where(a <= 0, 0.0, asa)
    return {"sl": sl, "asa_s": asa, "p_wait": c, "occupancy": occ, "abandon_rate": np.zeros_like(sl)}


def erlang_c_agents(a, aht_s, t_s, target_sl, max_occupancy=1.0) -> np.ndarray:
    """Fewest agents meeting the service level and the occupancy cap (M/M/n).

    Zero load needs zero agents. Vectorised: one Erlang B step per candidate
    agent count, for all intervals at once.
    """
    a = np.asarray(a, dtype=float)
    aht_s = np.broadcast_to(np.asarray(aht_s, dtype=float), a.shape)
    t_s = np.broadcast_to(np.asarray(t_s, dtype=float), a.shape)
    target = np.broadcast_to(np.asarray(target_sl, dtype=float), a.shape)
    occ_cap = np.broadcast_to(np.asarray(max_occupancy, dtype=float), a.shape)
    need = np.zeros(a.shape, dtype=np.int64)
    todo = a > 0
    if not todo.any():
        return need
    top = int(np.ceil(np.max(a[todo] / occ_cap[todo]) + 10 * np.sqrt(np.max(a[todo])) + 20))
    if top > MAX_AGENTS:
        raise ValueError(f"offered load needs more than {MAX_AGENTS} agents")
    b = np.ones(a.shape)
    for k in range(1, top + 1):
        b = a * b / (k + a * b)
        if not todo.any():
            break
        c = _c_from_b(k, a, b)
        with np.errstate(over="ignore", invalid="ignore"):
            sl = np.where(k > a, 1.0 - c * np.exp(-(k - a) * t_s / aht_s), 0.0)
        ok = todo & (sl >= target - 1e-12) & (a / k <= occ_cap + 1e-12)
        need[ok] = k
        todo &= ~ok
    if todo.any():
        raise ValueError("no agent count up to the search bound meets the target")
    return need


# --------------------------------------------------------------------------- #
# Erlang A
# --------------------------------------------------------------------------- #


def _erlang_a_one(n: int, lam: float, mu: float, theta: float, t_s: float) -> tuple[float, float, float, float]:
    """Exact SL within t_s, abandonment share, ASA (all callers) and occupancy of M/M/n+M."""
    if lam <= 0:
        return 1.0, 0.0, 0.0, 0.0
    if n == 0:
        return 0.0, 1.0, 1.0 / theta, 0.0
    # stationary distribution in log space, truncated where it is negligible
    rho_tail = lam / (n * mu)
    k_max = n + int(min(3000, max(50, 10 * (lam / theta) ** 0.5 + 5 * lam / theta)))
    k = np.arange(1, k_max + 1)
    death = np.minimum(k, n) * mu + np.maximum(k - n, 0) * theta
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death))])
    logp -= logp.max()
    p = np.exp(logp)
    p /= p.sum()
    states = np.arange(k_max + 1)
    queue = np.maximum(states - n, 0)
    eq = float((p * queue).sum())
    abandon = theta * eq / lam
    asa = eq / lam
    busy = float((p * np.minimum(states, n)).sum())
    # time to pass m queue positions: pure-birth process with rates n mu + i theta
    m_max = k_max - n + 1
    rates = n * mu + np.arange(1, m_max + 1) * theta
    big = rates[-1]
    x = big * t_s
    pois_n = int(x + 10 * np.sqrt(x) + 20)
    w = stats.poisson.pmf(np.arange(pois_n + 1), x)
    dist = np.zeros(m_max + 1)
    dist[0] = 1.0
    reach = np.zeros(m_max + 1)  # P(X(t) >= m) accumulated
    adv = np.concatenate([rates / big, [0.0]])
    total = np.zeros(m_max + 1)
    for j in range(pois_n + 1):
        total += w[j] * dist
        moved = dist * adv
        dist = dist - moved
        dist[1:] += moved[:-1]
    reach = np.cumsum(total[::-1])[::-1]  # P(X >= m)
    j = np.arange(0, k_max - n + 1)
    served_within = n * mu / (n * mu + (j + 1) * theta) * reach[np.minimum(j + 1, m_max)]
    sl = float(p[:n].sum() + (p[n:] * served_within).sum())
    _ = rho_tail
    return sl, abandon, asa, busy / n


def erlang_a_metrics(n, lam, aht_s, patience_s, t_s) -> dict[str, np.ndarray]:
    """Exact Erlang A figures per interval at ``n`` agents."""
    n, lam, aht_s, patience_s, t_s = np.broadcast_arrays(
        np.asarray(n, dtype=np.int64), np.asarray(lam, float), np.asarray(aht_s, float), np.asarray(patience_s, float), np.asarray(t_s, float)
    )
    out = np.array(
        [_erlang_a_one(int(ni), li, 1.0 / ai, 1.0 / pi, ti) for ni, li, ai, pi, ti in zip(n.ravel(), lam.ravel(), aht_s.ravel(), patience_s.ravel(), t_s.ravel())]
    ).reshape(n.shape + (4,)) if n.size else np.zeros(n.shape + (4,))
    return {"sl": out[..., 0], "abandon_rate": out[..., 1], "asa_s": out[..., 2], "occupancy": out[..., 3]}


def erlang_a_agents(lam, aht_s, patience_s, t_s, target_sl, max_abandon_rate=None, max_occupancy=1.0) -> np.ndarray:
    """Fewest agents meeting the service level (and abandonment, occupancy caps) in M/M/n+M.

    The search starts below the Erlang C answer (patience only lowers the
    need) and walks up; zero volume needs zero agents.
    """
    lam = np.asarray(lam, dtype=float)
    aht_s = np.broadcast_to(np.asarray(aht_s, float), lam.shape)
    a = lam * aht_s
    c_need = erlang_c_agents(a, aht_s, t_s, target_sl, max_occupancy)
    out = np.zeros(lam.shape, dtype=np.int64)
    cache: dict[tuple, int] = {}
    for i in np.flatnonzero(lam > 0):
        key = (round(lam[i], 9), round(aht_s[i], 6))
        if key in cache:
            out[i] = cache[key]
            continue
        pat = float(np.broadcast_to(np.asarray(patience_s, float), lam.shape)[i])
        tt = float(np.broadcast_to(np.asarray(t_s, float), lam.shape)[i])
        tgt = float(np.broadcast_to(np.asarray(target_sl, float), lam.shape)[i])

        def ok(k: int) -> bool:
            sl, ab, _, occ = _erlang_a_one(k, lam[i], 1.0 / aht_s[i], 1.0 / pat, tt)
            return sl >= tgt - 1e-12 and (max_abandon_rate is None or ab <= max_abandon_rate) and occ <= max_occupancy + 1e-12

        lo, hi = max(1, int(np.floor(a[i] * 0.5))), max(1, int(c_need[i]))
        while not ok(hi):  # rare: quick abandons can cost service level
            lo, hi = hi + 1, hi * 2
        while lo < hi:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid + 1
        cache[key] = hi
        out[i] = hi
    return out
