"""Poisson HMM maxima for the annual counts of major earthquakes, 1900-2006 (Zucchini, MacDonald & Langrock,
Hidden Markov Models for Time Series, 2nd ed. 2016, §1.2.1 and §3.4; data/earthquakes.csv, 107 values).

Checks the data against the book (107 counts, mean 19.364, variance 51.573), then for 2 and 3 states:
- the stationary model (δ the stationary distribution of Γ), maximised by direct numerical maximisation in the
  book's working parameters (log λ, log-ratios of Γ's rows) with scipy from many starts; the script stops unless
  −log L rounds to the book's 342.32 (m = 2) and 329.46 (m = 3);
- the model with δ estimated (Baum-Welch's maximum, what LatentFit fits): the numpy log-space Baum-Welch of
  hmm_pomegranate.py from several starts, run until ℓ changes by less than 1e-13, and pomegranate 0.14.8 from the best
  of those starts' initial parameters; the script stops unless the two agree to 1e-9 relative.

Run with Debian's interpreter: /usr/bin/python3 hmm_earthquakes.py   (writes hmm_earthquakes.json)
"""

import json
import os

import numpy as np
from scipy.optimize import minimize

import hmm_pomegranate as reference

HERE = os.path.dirname(os.path.abspath(__file__))
BOOK = {2: 342.32, 3: 329.46}


def read_counts():
    with open(os.path.join(HERE, "data", "earthquakes.csv")) as f:
        header = f.readline().strip()
        assert header == "year,count", header
        rows = [line.strip().split(",") for line in f if line.strip()]
    years = [int(r[0]) for r in rows]
    counts = np.array([float(r[1]) for r in rows])
    assert years == list(range(1900, 2007)), "years 1900-2006"
    assert len(counts) == 107 and counts.sum() == 2072, (len(counts), counts.sum())
    assert round(counts.mean(), 3) == 19.364 and round(counts.var(ddof=1), 3) == 51.573, (counts.mean(), counts.var(ddof=1))
    return counts


def natural(working, m):
    rates = np.exp(working[:m])
    logits = np.zeros((m, m))
    logits[~np.eye(m, dtype=bool)] = working[m:]
    transition = np.exp(logits)
    transition /= transition.sum(axis=1, keepdims=True)
    return rates, transition


def stationary(transition):
    m = len(transition)
    a = np.vstack([(np.eye(m) - transition).T, np.ones(m)])
    b = np.zeros(m + 1)
    b[-1] = 1
    return np.linalg.lstsq(a, b, rcond=None)[0]


def model(rates, transition, initial):
    return {"model": "hmm", "emission": "poisson", "k": len(rates), "initial": list(initial),
            "transition": [list(r) for r in transition], "rates": list(rates)}


def stationary_fit(counts, m):
    best = None
    rng = np.random.default_rng(1)
    for attempt in range(8):
        rates0 = np.sort(rng.uniform(8, 35, m))
        off = np.log(rng.uniform(0.02, 0.3, m * (m - 1)) / 0.9)
        start = np.concatenate([np.log(rates0), off])

        def negative(w):
            rates, transition = natural(w, m)
            return -reference.loglik(model(rates, transition, stationary(transition)), [counts])

        fit = minimize(negative, start, method="BFGS", options={"gtol": 1e-7})
        if best is None or fit.fun < best.fun:
            best = fit
    rates, transition = natural(best.x, m)
    order = np.argsort(rates)
    rates, transition = rates[order], transition[np.ix_(order, order)]
    return best.fun, model(rates, transition, stationary(transition))


def baum_welch_to_convergence(counts, start):
    current = start
    previous = -np.inf
    for iteration in range(100000):
        value, nxt = reference.baum_welch_step(current, [counts])
        if abs(value - previous) < 1e-13 * abs(value):
            return value, current, iteration
        previous, current = value, nxt
    raise SystemExit("Baum-Welch did not converge")


def starts(m):
    quantiles = {2: [[12, 25], [15, 30], [10, 20]], 3: [[10, 18, 28], [13, 20, 30], [8, 20, 35], [15, 19, 25]]}[m]
    for rates in quantiles:
        transition = np.full((m, m), 0.1 / (m - 1)) + np.eye(m) * (0.9 - 0.1 / (m - 1))
        yield model(np.array(rates, dtype=float), transition, np.full(m, 1.0 / m))


def main():
    counts = read_counts()
    result = {"generator": "hmm_earthquakes.py", "data": "data/earthquakes.csv", "observations": 107, "sum": 2072,
              "mean": 19.364, "variance": 51.573, "states": {}}
    for m in (2, 3):
        negative, stationary_model = stationary_fit(counts, m)
        if round(negative, 2) != BOOK[m]:
            raise SystemExit("m=%d: stationary -log L %.6f does not round to the book's %.2f" % (m, negative, BOOK[m]))

        best = None
        for start in starts(m):
            value, fitted, iterations = baum_welch_to_convergence(counts, start)
            if best is None or value > best[0] + 1e-9:
                best = (value, fitted, iterations, start)
        value, fitted, iterations, start = best

        hmm = reference.pomegranate_baum_welch(start, [counts], iterations + 10)
        pomegranate_value = reference.pomegranate_loglik(hmm, [counts])
        if abs(pomegranate_value - value) > 1e-9 * abs(value):
            raise SystemExit("m=%d: pomegranate %.12f, numpy %.12f" % (m, pomegranate_value, value))

        order = np.argsort(fitted["rates"])
        fitted = model(np.array(fitted["rates"])[order], np.array(fitted["transition"])[np.ix_(order, order)], np.array(fitted["initial"])[order])
        result["states"][str(m)] = {
            "bookStationaryNegativeLogLikelihood": BOOK[m],
            "stationaryNegativeLogLikelihood": negative,
            "stationary": stationary_model,
            "estimatedInitialLogLikelihood": value,
            "estimatedInitialPomegranateLogLikelihood": pomegranate_value,
            "baumWelchIterations": iterations,
            "estimatedInitial": fitted,
        }
        print("m=%d  stationary -log L %.6f (book %.2f)   delta estimated: log L %.10f (pomegranate %.10f, %d iterations)"
              % (m, negative, BOOK[m], value, pomegranate_value, iterations))

    with open(os.path.join(HERE, "hmm_earthquakes.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
