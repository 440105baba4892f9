"""Learning event multipliers, including events that only ever occur together."""

import numpy as np
import pytest

from forecast import effects as fx


def series_events(windows):
    n = 100
    ev = fx.SeriesEvents(excluded=np.zeros(n, bool))
    for name, key, fallback, lo, hi in windows:
        ev.windows.append(fx.Window(name, key, fallback, np.arange(lo, hi)))
    return ev


def learn(y, ev):
    evidence = fx.Evidence()
    fx.accumulate(evidence, y, np.full(len(y), 10.0), ev, len(y))
    return fx.learned(evidence)


def test_a_sale_that_always_falls_on_a_holiday_is_learned_net_of_the_holiday():
    # another holiday alone halves volume; Boxing Day is a holiday and a sale day at once (x1.5 together)
    ev = series_events([
        ("Labour Day", "holiday:Labour Day|core", "holiday|core", 0, 10),
        ("Boxing Day", "holiday:Boxing Day|core", "holiday|core", 20, 30),
        ("Boxing Day sales", "boxing_day|core", None, 20, 30),
    ])
    y = np.full(100, 10.0)
    y[0:10] = 5.0
    y[20:30] = 15.0
    eff = learn(y, ev)
    assert eff["holiday|core"] == pytest.approx(0.5)
    assert eff["boxing_day|core"] == pytest.approx(3.0)  # 1.5 / 0.5
    mult, unknown = fx.multiplier(ev, eff, 100)
    assert mult[25] == pytest.approx(1.5) and unknown == []


def test_a_holiday_inside_a_longer_event_is_learned_from_what_the_event_leaves():
    # post-Christmas returns lift volume by 20% for two weeks; New Year's Day inside them is at a quarter
    ev = series_events([
        ("Returns", "post_christmas_returns|core", None, 40, 60),
        ("New Year's Day", "holiday:New Year's Day|core", "holiday|core", 50, 55),
        ("Labour Day", "holiday:Labour Day|core", "holiday|core", 0, 10),
    ])
    y = np.full(100, 10.0)
    y[0:10] = 5.0
    y[40:60] = 12.0
    y[50:55] = 3.0
    eff = learn(y, ev)
    assert eff["post_christmas_returns|core"] == pytest.approx(1.2)
    assert eff["holiday:New Year's Day|core"] == pytest.approx(0.25)
    mult, _ = fx.multiplier(ev, eff, 100)
    assert mult[52] == pytest.approx(0.3)


def test_two_events_with_nothing_to_tell_them_apart_stay_unknown():
    ev = series_events([("A", "kind_a|core", None, 10, 20), ("B", "kind_b|core", None, 10, 20)])
    y = np.full(100, 10.0)
    y[10:20] = 20.0
    eff = learn(y, ev)
    assert "kind_a|core" not in eff and "kind_b|core" not in eff
    _, unknown = fx.multiplier(ev, eff, 100)
    assert set(unknown) == {"A", "B"}


def _evidence_by_hand(y, ref, ev, end):
    """The definition: windows in order, each interval before ``end`` alone in a window or under a combination of
    windows; a window's lone intervals summed as one array, a combination's added interval after interval in the
    order the windows first reach them."""
    count = np.zeros(len(y), dtype=int)
    for w in ev.windows:
        count[w.index] += 1
    usable = ~np.isnan(ref) & ~np.isnan(y) & ~ev.excluded
    ops, cover = [], {}
    for k, w in enumerate(ev.windows):
        idx = w.index[usable[w.index] & (w.index < end)]
        alone = idx[count[idx] == 1]
        if len(alone) and w.fixed is None:
            ops.append(("single", w.key, float(y[alone].sum()), float(ref[alone].sum()), w.fallback))
        for i in idx[count[idx] > 1]:
            cover.setdefault(int(i), []).append(k)
    sums = {}
    for i, ks in cover.items():
        combo = tuple(sorted((ev.windows[k].key, ev.windows[k].fallback, ev.windows[k].fixed) for k in ks))
        acc = sums.setdefault(combo, [0.0, 0.0])
        acc[0] += float(y[i])
        acc[1] += float(ref[i])
    return ops + [("combo", combo, a, r) for combo, (a, r) in sums.items()]


@pytest.mark.parametrize("seed", range(12))
def test_evidence_at_many_ends_is_the_evidence_at_each_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    y = rng.gamma(2.0, 5.0, n)
    ref = rng.gamma(2.0, 5.0, n)
    y[rng.random(n) < 0.03] = np.nan
    ref[rng.random(n) < 0.03] = np.nan
    ev = fx.SeriesEvents(excluded=rng.random(n) < 0.02)
    keys = ["holiday:A|core", "holiday:B|core", "sale|core", "promo|core", "holiday:A|pre1"]
    for _ in range(40):
        lo = int(rng.integers(0, n - 120))
        key = keys[int(rng.integers(len(keys)))]
        fixed = 1.3 if key == "promo|core" else None  # an event with its uplift given (one uplift per event)
        # windows of one key recur (so a combination is reached from several sets of windows, out of interval order)
        ev.windows.append(fx.Window(key, key, "holiday|core" if key.startswith("holiday") else None,
                                    np.arange(lo, lo + int(rng.integers(5, 120))), fixed))
    ends = sorted({int(e) for e in rng.integers(0, n + 1, 25)} | {n})
    got = fx.series_evidence_at(y, ref, ev, ends)
    assert list(got) == ends
    for end in ends:
        assert got[end] == _evidence_by_hand(y, ref, ev, end)
    assert any(op[0] == "combo" for op in got[n]) and any(op[0] == "single" for op in got[n])
