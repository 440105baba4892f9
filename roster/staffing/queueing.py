"""Queueing formulas, vectorised over intervals (numpy arrays in, arrays out).

Conventions: ``lam`` arrivals per second, ``aht_s`` mean handle time in
seconds, ``n`` agents (servers), ``t_s`` the answer-time target in seconds.
Offered load ``a = lam * aht_s`` in Erlangs.

Erlang C (M/M/n) uses the Erlang B recursion, which is numerically stable for
any number of agents (no factorials, no overflow). Erlang A (M/M/n+M) is the
exact birth-death chain with exponential patience; the service level is the
share of *all* callers answered within ``t_s`` (abandons count as misses).
The vectorised :func:`_erlang_a_vec` evaluates it in closed form (Erlang B
and one series per interval); the scalar :func:`_erlang_a_one` evaluates the
same chain the long way, as the reference the tests hold it to:

    SL = P(k < n) + sum_j P(k = n + j) * n mu / (n mu + (j + 1) theta) * P(S_{j+1} <= t)

where ``S_m`` is the time to move through ``m`` queue positions, a sum of
exponentials with rates ``n mu + i theta`` (i = 1..m), computed for every
``m`` at once as the state of a pure-birth process by uniformisation.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

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
    agent count for all intervals at once, dropping intervals as they are
    settled. Raises ValueError when a load needs more than ``MAX_AGENTS``.
    """
    a = np.asarray(a, dtype=float)
    shape = a.shape
    a = a.ravel()
    aht_s, t_s, target, occ_cap = (
        np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() for v in (aht_s, t_s, target_sl, max_occupancy)
    )
    need = np.zeros(a.shape, dtype=np.int64)
    idx = np.flatnonzero(a > 0)
    if not len(idx):
        return need.reshape(shape)
    top = np.max(a[idx] / occ_cap[idx]) + 10 * np.sqrt(np.max(a[idx])) + 20
    if not top <= MAX_AGENTS:
        raise ValueError(f"offered load needs more than {MAX_AGENTS} agents")
    # intervals in order of the fewest agents the occupancy cap allows: at agent count k only
    # a prefix of them can be settled, and settled ones are dropped now and then
    idx = idx[np.argsort(a[idx] / occ_cap[idx], kind="stable")]
    A, H, T, G, O = a[idx], aht_s[idx], t_s[idx], target[idx], occ_cap[idx]
    floor_n = A / O
    b = np.ones(len(idx))
    live = np.ones(len(idx), dtype=bool)
    for k in range(1, int(np.ceil(top)) + 1):
        b = A * b / (k + A * b)
        m = int(np.searchsorted(floor_n, k * (1 + 1e-9), side="right"))
        if not m:
            continue
        Ak, bk = A[:m], b[:m]
        c = _c_from_b(k, Ak, bk)
        with np.errstate(over="ignore", invalid="ignore"):
            sl = np.where(k > Ak, 1.0 - c * np.exp(-(k - Ak) * T[:m] / H[:m]), 0.0)
        ok = live[:m] & (sl >= G[:m] - 1e-12) & (Ak / k <= O[:m] + 1e-12)
        need[idx[:m][ok]] = k
        live[:m] &= ~ok
        left = np.count_nonzero(live)
        if not left:
            return need.reshape(shape)
        if left < 0.7 * len(idx):
            idx, A, H, T, G, O, b, floor_n, live = (v[live] for v in (idx, A, H, T, G, O, b, floor_n, live))
    raise ValueError("no agent count up to the search bound meets the target")


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


#: cells (rows x terms) of one block of the series in :func:`_log_kummer`
_SERIES_CELLS = 2_000_000


def _log_kummer(z: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logs of ``S0 = sum_{j>=0} z**j / ((a+1)(a+2)...(a+j))`` and of ``S1 = S0 - 1``, per row.

    ``z > 0``, ``a > 0``. The terms rise while ``j < z - a`` and then fall at
    least as fast as a Gaussian of width ``sqrt(z)``, so the sum is taken over
    ``9 sqrt(z) + 20`` terms either side of the largest, beyond which every
    term is below ``1e-17`` of it; the first term of the window comes from
    ``gammaln`` when the window does not start at 0. ``S1`` is summed without
    the ``j = 0`` term, so it keeps its precision when ``S0`` is close to 1.
    Rows are processed in blocks of similar window width.
    """
    z = np.asarray(z, float)
    a = np.asarray(a, float)
    s0, s1 = np.empty(z.shape), np.empty(z.shape)
    peak = np.maximum(np.floor(z - a), 0.0)
    half = np.ceil(9.0 * np.sqrt(z) + 20.0)
    lo = np.maximum(peak - half, 0.0)
    width = (peak + half - lo + 1).astype(np.int64)
    order = np.argsort(width, kind="stable")
    start = 0
    while start < len(order):
        stop = min(len(order), start + max(1, _SERIES_CELLS // int(width[order[start]])))
        while stop > start + 1 and width[order[stop - 1]] * (stop - start) > 2 * _SERIES_CELLS:
            stop = start + (stop - start) // 2
        rows = order[start:stop]
        wmax = int(width[rows].max())
        zr, ar, lr = z[rows], a[rows], lo[rows]
        with np.errstate(invalid="ignore"):
            first = np.where(lr > 0, lr * np.log(zr) - special.gammaln(ar + lr + 1.0) + special.gammaln(ar + 1.0), 0.0)
        logt = np.empty((len(rows), wmax))
        logt[:, 0] = first
        np.cumsum(np.log(zr)[:, None] - np.log(ar[:, None] + lr[:, None] + np.arange(1, wmax)[None, :]), axis=1, out=logt[:, 1:])
        logt[:, 1:] += first[:, None]
        logt[np.arange(wmax)[None, :] >= width[rows][:, None]] = -np.inf
        top = logt.max(axis=1)
        e = np.exp(logt - top[:, None])
        total = e.sum(axis=1)
        s0[rows] = top + np.log(total)
        with np.errstate(divide="ignore"):
            s1[rows] = top + np.log(np.where(lr > 0, total, total - e[:, 0]))
        start = stop
    return s0, s1


def _erlang_a_vec(n: np.ndarray, lam: np.ndarray, mu: np.ndarray, theta: np.ndarray, t_s: np.ndarray):
    """Exact M/M/n+M figures, one row per interval (``n >= 1``, ``lam > 0``).

    Returns service level within ``t_s`` (abandons count as misses),
    abandonment share, ASA of all callers (s) and occupancy, from closed
    forms of the birth-death chain (the M/M/n+G formulas of Mandelbaum and
    Zeltyn with exponential patience). With ``x = lam / theta``,
    ``a = n mu / theta``, ``R = S0(x, a)`` (:func:`_log_kummer`, the queue
    states' weight relative to state ``n``) and ``B`` the Erlang B blocking of
    ``n`` agents at load ``lam / mu``:

    - P(wait) = B R / (1 - B + B R); pi_n = P(wait) / R;
    - abandonment = P(wait) (1 - (R - 1) / (rho R)), rho = lam / (n mu);
      ASA = abandonment / theta (Little's law on the queue);
    - the offered wait ``V`` has density ``n mu pi_n exp(-n mu s + x (1 - e^{-theta s}))``
      for ``s > 0``, and a caller is answered within ``t_s`` when
      ``V <= t_s`` and its patience outlasts ``V``, so
      SL = 1 - P(wait) + pi_n (a / x) (R - 1 - e^{x (1 - c)} c^a S1(x c, a)),
      ``c = exp(-theta t_s)`` (the integral is an incomplete gamma function,
      summed as the same series).

    :func:`_erlang_a_one` computes the same figures the long way (stationary
    distribution and uniformisation) and is the reference in the tests.
    """
    n = np.asarray(n, dtype=np.int64)
    nf = n.astype(float)
    x = lam / theta
    a = nf * mu / theta
    c = np.exp(-theta * t_s)
    b = erlang_b(n, lam / mu)
    log_r, log_r1 = _log_kummer(x, a)
    _, log_rc = _log_kummer(x * c, a)
    p_wait = b / (b + (1.0 - b) * np.exp(-log_r))
    q1 = np.exp(log_r1 - log_r)  # (R - 1) / R
    q2 = np.exp(x * (1.0 - c) - nf * mu * t_s + log_rc - log_r)
    sl = 1.0 - p_wait + p_wait * (a / x) * np.maximum(q1 - q2, 0.0)
    abandon = np.clip(p_wait * (1.0 - (a / x) * q1), 0.0, 1.0)
    occ = np.minimum(lam / (nf * mu) * (1.0 - abandon), 1.0)
    return np.clip(sl, 0.0, 1.0), abandon, abandon / theta, occ


def _fewest(lo: np.ndarray, hi: np.ndarray, ok) -> np.ndarray:
    """Per interval, the fewest agents in ``[lo, hi]`` for which ``ok(agents, intervals)`` holds (it holds at ``hi``).

    A bisection over all intervals at once; ``ok`` must be monotone in the agents (more agents never hurt).
    """
    lo, hi = lo.copy(), hi.copy()
    while True:
        open_ = np.flatnonzero(lo < hi)
        if not len(open_):
            return hi
        mid = (lo[open_] + hi[open_]) // 2
        good = ok(mid, open_)
        hi[open_[good]] = mid[good]
        lo[open_[~good]] = mid[~good] + 1

def erlang_a_agents(lam, aht_s, patience_s, t_s, target_sl, max_abandon_rate=None, max_occupancy=1.0) -> np.ndarray:
    """Fewest agents meeting the service level (and abandonment, occupancy caps) in M/M/n+M.

    A binary search between half the offered load and Erlang C's answer
    (patience only lowers the need), run for all intervals at once; zero
    volume needs zero agents.
    """
    lam = np.asarray(lam, dtype=float)
    shape = lam.shape
    aht = np.broadcast_to(np.asarray(aht_s, float), shape).astype(float)
    pat = np.broadcast_to(np.asarray(patience_s, float), shape).astype(float)
    tt = np.broadcast_to(np.asarray(t_s, float), shape).astype(float)
    tgt = np.broadcast_to(np.asarray(target_sl, float), shape).astype(float)
    out = np.zeros(shape, dtype=np.int64)
    live = np.flatnonzero(lam > 0)
    if not len(live):
        return out
    a = lam * aht
    hi = np.maximum(1, erlang_c_agents(a, aht, tt, tgt, max_occupancy)[live]).astype(np.int64)
    lo = np.maximum(1, np.floor(a[live] * 0.5)).astype(np.int64)
    L, M, TH, T, G = lam[live], 1.0 / aht[live], 1.0 / pat[live], tt[live], tgt[live]

    def ok(n, sel):
        sl, ab, _, occ = _erlang_a_vec(n, L[sel], M[sel], TH[sel], T[sel])
        good = (sl >= G[sel] - 1e-12) & (occ <= max_occupancy + 1e-12)
        if max_abandon_rate is not None:
            good &= ab <= max_abandon_rate
        return good

    everything = np.arange(len(live))
    bad = ~ok(hi, everything)
    while bad.any():  # rare: quick abandons cost service level, search higher
        sel = np.flatnonzero(bad)
        if hi[sel].max() > MAX_AGENTS:
            raise ValueError(f"no agent count up to {MAX_AGENTS} meets the target")
        lo[sel] = hi[sel] + 1
        hi[sel] = hi[sel] * 2
        bad[sel] = ~ok(hi[sel], sel)
    out[live] = _fewest(lo, hi, ok)
    return out


def erlang_a_metrics(n, lam, aht_s, patience_s, t_s) -> dict[str, np.ndarray]:
    """Exact Erlang A figures per interval at ``n`` agents: service level, abandonment, ASA, occupancy."""
    shape = np.broadcast(n, lam, aht_s, patience_s, t_s).shape
    n, lam, aht_s, patience_s, t_s = (np.atleast_1d(np.asarray(v, float)).ravel() for v in np.broadcast_arrays(n, lam, aht_s, patience_s, t_s))
    sl = np.ones(n.shape)
    ab = np.zeros(n.shape)
    asa = np.zeros(n.shape)
    occ = np.zeros(n.shape)
    live = lam > 0
    none = live & (n == 0)
    sl[none], ab[none], asa[none] = 0.0, 1.0, patience_s[none]
    go = np.flatnonzero(live & (n > 0))
    if len(go):
        s, a, w, o = _erlang_a_vec(n[go].astype(np.int64), lam[go], 1.0 / aht_s[go], 1.0 / patience_s[go], t_s[go])
        sl[go], ab[go], asa[go], occ[go] = s, a, w, o
    return {"sl": sl.reshape(shape), "abandon_rate": ab.reshape(shape), "asa_s": asa.reshape(shape), "occupancy": occ.reshape(shape)}


# --------------------------------------------------------------------------- #
# Chat: agents holding several chats, handle time growing with concurrency
# --------------------------------------------------------------------------- #


def chat_rate(j: np.ndarray, aht1_s: np.ndarray, growth: float) -> np.ndarray:
    """Chats per second one agent finishes while holding ``j`` chats.

    Each of the ``j`` chats takes ``aht1_s * (1 + growth * (j - 1))`` seconds,
    so the agent's throughput is ``j / (aht1_s * (1 + growth * (j - 1)))``.
    """
    j = np.asarray(j, dtype=float)
    return np.where(j > 0, j / (aht1_s * (1.0 + growth * np.maximum(j - 1.0, 0.0))), 0.0)


def single_chat_aht(aht_s, concurrency: float, growth: float):
    """Handle time of a chat held alone, from the one measured at average ``concurrency``."""
    return np.asarray(aht_s, float) / (1.0 + growth * (concurrency - 1.0))


def chat_metrics(n, lam, aht_s, t_s, concurrency: float, max_concurrency: int, growth: float) -> dict[str, np.ndarray]:
    """First-reply service level, ASA, wait probability and occupancy of a chat queue.

    The model (after Tezcan and Zhang, "Routing and staffing in customer
    service chat systems with impatient customers", Operations Research 62(4),
    2014): ``n`` agents each hold up to ``max_concurrency`` chats; a new chat
    goes to the least busy agent, so ``m`` chats are spread evenly; an agent
    holding ``j`` chats finishes them at :func:`chat_rate` (handle time grows
    with concurrency by ``growth`` per extra chat, the slow-down measured in
    the field by Goes, Ilk, Lin and Zhao, Management Science 2018). The number
    of chats is a birth-death process; once every slot is full, waiting chats
    are answered at the full-load rate, so the first-reply wait beyond ``t_s``
    has the Erlang C form ``P(wait) * exp(-(mu_full - lam) * t_s)``.
    ``aht_s`` is the handle time measured while agents hold ``concurrency``
    chats on average (what helpdesks report).
    """
    n, lam, aht_s, t_s = (np.atleast_1d(np.asarray(v, float)).ravel() for v in np.broadcast_arrays(n, lam, aht_s, t_s))
    shape = np.broadcast(n, lam).shape
    k = int(max_concurrency)
    aht1 = single_chat_aht(aht_s, concurrency, growth)
    slots = (n * k).astype(np.int64)
    top = int(slots.max()) if slots.size else 0
    m = np.arange(1, top + 1)[None, :]
    nn = np.maximum(n[:, None], 1)
    q, r = np.floor_divide(m, nn), np.mod(m, nn)
    mu = r * chat_rate(q + 1, aht1[:, None], growth) + (nn - r) * chat_rate(q, aht1[:, None], growth)
    valid = m <= slots[:, None]
    with np.errstate(divide="ignore"):
        steps = np.where(valid, np.log(np.maximum(lam, 1e-300))[:, None] - np.log(np.where(valid, mu, 1.0)), 0.0)
    logp = np.concatenate([np.zeros((len(n), 1)), np.cumsum(steps, axis=1)], axis=1)
    logp = np.where(np.arange(top + 1)[None, :] <= slots[:, None], logp, -np.inf)
    mu_full = n * chat_rate(k, aht1, growth)
    stable = (mu_full > lam) & (n > 0)
    rho = np.where(stable, lam / np.where(mu_full > 0, mu_full, 1.0), 1.0)
    top_log = logp.max(axis=1, keepdims=True)
    p = np.exp(logp - top_log)
    p_full = np.take_along_axis(p, np.minimum(slots, top)[:, None], axis=1)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        total = p.sum(axis=1) - p_full + p_full / (1.0 - rho)  # geometric queue beyond the last slot
        p_wait = np.where(stable, (p_full / (1.0 - rho)) / total, 1.0)
        sl = np.where(stable, 1.0 - p_wait * np.exp(-(mu_full - lam) * t_s), 0.0)
        asa = np.where(stable, p_wait / (mu_full - lam), np.inf)
        occ = np.where(n > 0, np.minimum(lam / (n * chat_rate(concurrency, aht1, growth)), 1.0), 0.0)
    zero = lam <= 0
    sl, asa, p_wait = np.where(zero, 1.0, sl), np.where(zero, 0.0, asa), np.where(zero, 0.0, p_wait)
    return {"sl": sl.reshape(shape), "asa_s": asa.reshape(shape), "p_wait": p_wait.reshape(shape), "occupancy": occ.reshape(shape),
            "abandon_rate": np.zeros(shape)}


def chat_agents(lam, aht_s, t_s, target_sl, concurrency: float, max_concurrency: int, growth: float, max_occupancy: float = 1.0) -> np.ndarray:
    """Fewest agents meeting the first-reply target and the occupancy cap (see :func:`chat_metrics`)."""
    lam = np.atleast_1d(np.asarray(lam, float))
    aht = np.broadcast_to(np.asarray(aht_s, float), lam.shape)
    out = np.zeros(lam.shape, dtype=np.int64)
    live = np.flatnonzero(lam > 0)
    if not len(live):
        return out
    L, A = lam[live], aht[live]
    aht1 = single_chat_aht(A, concurrency, growth)
    lo = np.maximum(1, np.floor(L / chat_rate(max_concurrency, aht1, growth))).astype(np.int64)
    hi = np.maximum(lo, np.ceil(L * A / max(concurrency, 1.0) / max_occupancy) + 3).astype(np.int64)

    def ok(n, sel):
        mtr = chat_metrics(n, L[sel], A[sel], t_s, concurrency, max_concurrency, growth)
        return (mtr["sl"] >= target_sl - 1e-12) & (mtr["occupancy"] <= max_occupancy + 1e-12)

    bad = ~ok(hi, np.arange(len(live)))
    while bad.any():
        sel = np.flatnonzero(bad)
        lo[sel], hi[sel] = hi[sel] + 1, hi[sel] * 2
        if hi.max() > MAX_AGENTS:
            raise ValueError("the chat load needs more agents than the search allows")
        bad[sel] = ~ok(hi[sel], sel)
    out[live] = _fewest(lo, hi, ok)
    return out


def modified_offered_load(lam: np.ndarray, aht_s: np.ndarray, interval_s: float) -> np.ndarray:
    """Offered load that follows time-varying arrivals (modified offered load).

    The expected number of contacts in service in an infinite-server queue
    with the same arrivals and exponential handle times (Jennings, Mandelbaum,
    Massey and Whitt, Management Science 1996): ``m`` relaxes towards
    ``lam * aht`` at the rate the work drains, so after a sharp rise the load
    lags the arrivals and after a peak it stays high while the peak's contacts
    are still being handled. Equal to ``lam * aht`` when arrivals are steady.
    """
    lam = np.asarray(lam, float)
    aht = np.broadcast_to(np.asarray(aht_s, float), lam.shape)
    decay = np.exp(-interval_s / aht)
    target = lam * aht
    m = np.empty_like(target)
    prev = target[0] if len(target) else 0.0
    for i in range(len(target)):
        prev = prev * decay[i] + target[i] * (1.0 - decay[i])
        m[i] = prev
    # average over the interval rather than its end point
    return np.maximum(0.5 * (m + np.concatenate([[target[0]], m[:-1]])) if len(m) else m, 0.0)
