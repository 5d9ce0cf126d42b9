"""pomegranate 0.14.8 Baum-Welch references for LatentFit's hidden Markov models (issue 11).

For each case (Poisson, full-covariance Gaussian and categorical emissions; one sequence and several) this script
generates data from a "true" HMM (numpy, fixed seed), writes it to data/hmm_<case>.csv with a `sequence` column,
and from a *different* starting model (stored in the JSON in LatentFit's model-file shape) computes with
pomegranate the total log-likelihood at the start and after exactly 1 and 5 Baum-Welch iterations. The same numbers
are recomputed by an independent log-space Baum-Welch written here in numpy (log-sum-exp, no scaling); the script
stops with an error unless the two agree to 1e-10 relative in every ℓ and 1e-8 in every parameter.

pomegranate settings that make its `fit` plain Baum-Welch (see README.md):
- `HiddenMarkovModel.from_matrix(transition, distributions, starts)` with `ends=None`: no end state, so ℓ sums the
  forward variables over all states at the last step (as LatentFit) instead of requiring a transition to an end state;
  every entry of the start and transition matrices is > 0 (from_matrix drops zero edges);
- `fit(..., algorithm='baum-welch', min_iterations=n, max_iterations=n, stop_threshold=-inf)`: exactly n M-steps,
  whatever the improvement (`max_iterations` alone would also stop early once the gain falls below 1e-9);
- `inertia=None, edge_inertia=0, distribution_inertia=0`: the M-step replaces the parameters (no averaging with the
  old ones); `pseudocount=None, transition_pseudocount=0, emission_pseudocount=0, use_pseudocount=False`: no
  pseudocounts on edges or emissions; `n_jobs=1`;
- pomegranate's start state is an ordinary silent state whose out-edges are re-estimated from the expected counts
  like any other row, which gives δ = (1/S) Σₛ γₛ,₁ — the same estimate as LatentFit's.

Run with Debian's interpreter: /usr/bin/python3 hmm_pomegranate.py   (writes hmm_pomegranate.json and data/hmm_*.csv)
"""

import json
import math
import os

import numpy as np
import pomegranate
from pomegranate import (DiscreteDistribution, HiddenMarkovModel, MultivariateGaussianDistribution,
                         PoissonDistribution)
from scipy.special import gammaln, logsumexp

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261202
ITERATIONS = (1, 5)


# ---------------------------------------------------------------------------------------------------------------
# Cases: the true model (generates the data) and the start (from which Baum-Welch runs), in model-file shape.
# ---------------------------------------------------------------------------------------------------------------

POISSON_TRUE = {"model": "hmm", "emission": "poisson", "k": 2,
                "initial": [0.6, 0.4], "transition": [[0.9, 0.1], [0.2, 0.8]], "rates": [3.0, 12.0]}
POISSON_START = {"model": "hmm", "emission": "poisson", "k": 2,
                 "initial": [0.5, 0.5], "transition": [[0.7, 0.3], [0.4, 0.6]], "rates": [2.0, 8.0]}

GAUSSIAN_TRUE = {"model": "hmm", "emission": "gaussian", "k": 3, "covariance": "full", "dimension": 2,
                 "initial": [0.5, 0.3, 0.2],
                 "transition": [[0.85, 0.1, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]],
                 "means": [[0.0, 0.0], [3.0, 1.0], [-1.0, 4.0]],
                 "covariances": [[[1.0, 0.3], [0.3, 0.5]], [[0.6, -0.2], [-0.2, 1.2]], [[0.8, 0.0], [0.0, 0.8]]]}
GAUSSIAN_START = {"model": "hmm", "emission": "gaussian", "k": 3, "covariance": "full", "dimension": 2,
                  "initial": [0.4, 0.3, 0.3],
                  "transition": [[0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]],
                  "means": [[0.5, 0.5], [2.0, 0.0], [0.0, 3.0]],
                  "covariances": [[[1.5, 0.0], [0.0, 1.5]], [[1.0, 0.2], [0.2, 1.0]], [[2.0, -0.3], [-0.3, 1.0]]]}

CATEGORIES = ["a", "b", "c", "d"]
CATEGORICAL_TRUE = {"model": "hmm", "emission": "categorical", "k": 2,
                    "initial": [0.7, 0.3], "transition": [[0.8, 0.2], [0.3, 0.7]],
                    "probabilities": [[0.5, 0.3, 0.15, 0.05], [0.05, 0.15, 0.3, 0.5]], "categories": CATEGORIES}
CATEGORICAL_START = {"model": "hmm", "emission": "categorical", "k": 2,
                     "initial": [0.5, 0.5], "transition": [[0.6, 0.4], [0.4, 0.6]],
                     "probabilities": [[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]], "categories": CATEGORIES}

SINGLE_LENGTHS = [300]
MULTIPLE_LENGTHS = [80, 1, 45, 150, 12, 2]

CASES = [
    ("poisson_single", POISSON_TRUE, POISSON_START, SINGLE_LENGTHS),
    ("poisson_multiple", POISSON_TRUE, POISSON_START, MULTIPLE_LENGTHS),
    ("gaussian_full_single", GAUSSIAN_TRUE, GAUSSIAN_START, SINGLE_LENGTHS),
    ("gaussian_full_multiple", GAUSSIAN_TRUE, GAUSSIAN_START, MULTIPLE_LENGTHS),
    ("categorical_single", CATEGORICAL_TRUE, CATEGORICAL_START, SINGLE_LENGTHS),
    ("categorical_multiple", CATEGORICAL_TRUE, CATEGORICAL_START, MULTIPLE_LENGTHS),
]


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------

def generate(model, lengths, rng):
    """Sequences drawn from `model`; Gaussian values rounded to 6 decimals (what the CSV holds, and what is fitted)."""
    k = model["k"]
    transition = np.array(model["transition"])
    sequences = []
    for length in lengths:
        states = [rng.choice(k, p=model["initial"])]
        for _ in range(length - 1):
            states.append(rng.choice(k, p=transition[states[-1]]))
        if model["emission"] == "poisson":
            values = np.array([float(rng.poisson(model["rates"][z])) for z in states])
        elif model["emission"] == "gaussian":
            values = np.array([rng.multivariate_normal(model["means"][z], model["covariances"][z]) for z in states])
            values = np.array([[float("%.6f" % v) for v in row] for row in values])
        else:
            values = [CATEGORIES[rng.choice(len(CATEGORIES), p=model["probabilities"][z])] for z in states]
        sequences.append(values)
    return sequences


def write_csv(path, model, sequences):
    with open(path, "w") as f:
        if model["emission"] == "poisson":
            f.write("sequence,count\n")
            for s, seq in enumerate(sequences):
                for v in seq:
                    f.write("%d,%d\n" % (s + 1, int(v)))
        elif model["emission"] == "gaussian":
            f.write("sequence,x1,x2\n")
            for s, seq in enumerate(sequences):
                for row in seq:
                    f.write("%d,%s\n" % (s + 1, ",".join("%.6f" % v for v in row)))
        else:
            f.write("sequence,symbol\n")
            for s, seq in enumerate(sequences):
                for v in seq:
                    f.write("%d,%s\n" % (s + 1, v))


# ---------------------------------------------------------------------------------------------------------------
# Independent log-space Baum-Welch (Rabiner 1989, eqs. 18-27 and 40, in logs)
# ---------------------------------------------------------------------------------------------------------------

def log_emissions(model, seq):
    k = model["k"]
    if model["emission"] == "poisson":
        x = np.asarray(seq, dtype=float)
        rates = np.array(model["rates"])
        return x[:, None] * np.log(rates)[None, :] - rates[None, :] - gammaln(x + 1)[:, None]
    if model["emission"] == "gaussian":
        x = np.asarray(seq)
        out = np.empty((len(x), k))
        d = x.shape[1]
        for j in range(k):
            mean = np.array(model["means"][j])
            cov = np.array(model["covariances"][j])
            chol = np.linalg.cholesky(cov)
            z = np.linalg.solve(chol, (x - mean).T)
            out[:, j] = -0.5 * np.sum(z * z, axis=0) - np.sum(np.log(np.diag(chol))) - 0.5 * d * math.log(2 * math.pi)
        return out
    index = np.array([CATEGORIES.index(v) for v in seq])
    return np.log(np.array(model["probabilities"])).T[index]


def forward_backward(model, seq):
    log_b = log_emissions(model, seq)
    log_delta = np.log(np.array(model["initial"]))
    log_gamma_matrix = np.log(np.array(model["transition"]))
    t_len, k = log_b.shape
    log_alpha = np.empty((t_len, k))
    log_beta = np.zeros((t_len, k))
    log_alpha[0] = log_delta + log_b[0]
    for t in range(1, t_len):
        log_alpha[t] = logsumexp(log_alpha[t - 1][:, None] + log_gamma_matrix, axis=0) + log_b[t]
    for t in range(t_len - 2, -1, -1):
        log_beta[t] = logsumexp(log_gamma_matrix + (log_b[t + 1] + log_beta[t + 1])[None, :], axis=1)
    loglik = logsumexp(log_alpha[-1])
    gamma = np.exp(log_alpha + log_beta - loglik)
    xi = np.zeros((k, k))
    for t in range(t_len - 1):
        xi += np.exp(log_alpha[t][:, None] + log_gamma_matrix + (log_b[t + 1] + log_beta[t + 1])[None, :] - loglik)
    return loglik, gamma, xi


def baum_welch_step(model, sequences):
    """One E-step at `model` and its M-step: returns (ℓ at `model`, the next model)."""
    k = model["k"]
    loglik = 0.0
    initial = np.zeros(k)
    xi = np.zeros((k, k))
    gammas = []
    for seq in sequences:
        l, gamma, x = forward_backward(model, seq)
        loglik += l
        initial += gamma[0]
        xi += x
        gammas.append(gamma)
    nxt = dict(model)
    nxt["initial"] = list(initial / len(sequences))
    nxt["transition"] = [list(row) for row in xi / xi.sum(axis=1, keepdims=True)]
    weights = np.vstack(gammas)
    occupancy = weights.sum(axis=0)
    if model["emission"] == "poisson":
        x = np.concatenate([np.asarray(s, dtype=float) for s in sequences])
        nxt["rates"] = list(weights.T @ x / occupancy)
    elif model["emission"] == "gaussian":
        x = np.vstack([np.asarray(s) for s in sequences])
        means, covariances = [], []
        for j in range(k):
            mean = weights[:, j] @ x / occupancy[j]
            centred = x - mean
            means.append(list(mean))
            covariances.append([list(r) for r in (weights[:, j][:, None] * centred).T @ centred / occupancy[j]])
        nxt["means"], nxt["covariances"] = means, covariances
    else:
        symbols = np.array([CATEGORIES.index(v) for s in sequences for v in s])
        onehot = np.eye(len(CATEGORIES))[symbols]
        counts = weights.T @ onehot
        nxt["probabilities"] = [list(r) for r in counts / counts.sum(axis=1, keepdims=True)]
    return loglik, nxt


def loglik(model, sequences):
    return sum(forward_backward(model, seq)[0] for seq in sequences)


# ---------------------------------------------------------------------------------------------------------------
# pomegranate
# ---------------------------------------------------------------------------------------------------------------

def to_pomegranate(model):
    k = model["k"]
    if model["emission"] == "poisson":
        distributions = [PoissonDistribution(r) for r in model["rates"]]
    elif model["emission"] == "gaussian":
        distributions = [MultivariateGaussianDistribution(np.array(m), np.array(c))
                         for m, c in zip(model["means"], model["covariances"])]
    else:
        distributions = [DiscreteDistribution(dict(zip(CATEGORIES, p))) for p in model["probabilities"]]
    return HiddenMarkovModel.from_matrix(np.array(model["transition"]), distributions, np.array(model["initial"]),
                                         state_names=["s%d" % (i + 1) for i in range(k)])


def from_pomegranate(hmm, template):
    """The pomegranate model's parameters in model-file shape (states in the order given to from_matrix)."""
    k = template["k"]
    names = ["s%d" % (i + 1) for i in range(k)]
    index = {state.name: i for i, state in enumerate(hmm.states)}
    dense = hmm.dense_transition_matrix()
    rows = [index[n] for n in names]
    out = dict(template)
    out["initial"] = list(dense[hmm.start_index, rows])
    out["transition"] = [list(dense[r, rows]) for r in rows]
    states = [hmm.states[r] for r in rows]
    if template["emission"] == "poisson":
        out["rates"] = [s.distribution.parameters[0] for s in states]
    elif template["emission"] == "gaussian":
        out["means"] = [list(np.asarray(s.distribution.parameters[0], dtype=float)) for s in states]
        out["covariances"] = [[list(r) for r in np.asarray(s.distribution.parameters[1], dtype=float)] for s in states]
    else:
        out["probabilities"] = [[s.distribution.parameters[0][c] for c in CATEGORIES] for s in states]
    return out


def pomegranate_sequences(model, sequences):
    if model["emission"] == "categorical":
        return [list(s) for s in sequences]
    return [np.asarray(s, dtype=float) for s in sequences]


def pomegranate_loglik(hmm, sequences):
    return float(sum(hmm.log_probability(s) for s in sequences))


def pomegranate_baum_welch(model, sequences, iterations):
    """Exactly `iterations` Baum-Welch updates, each one `summarize` (the E-step, which returns ℓ) and one
    `from_summaries` (the M-step) with no inertia and no pseudocounts: the two calls `fit` makes per iteration."""
    hmm = to_pomegranate(model)
    for _ in range(iterations):
        hmm.summarize(sequences, algorithm="baum-welch")
        hmm.from_summaries(inertia=None, pseudocount=None, transition_pseudocount=0.0, emission_pseudocount=0.0,
                           use_pseudocount=False, edge_inertia=0.0, distribution_inertia=0.0)
    return hmm


def pomegranate_fit(model, sequences, iterations):
    """`fit` itself; its loop makes one more M-step than `max_iterations` says (and fails with max_iterations=0), so
    n updates are max_iterations=n-1 with min_iterations=n-1 and stop_threshold=-inf (no early stop)."""
    hmm = to_pomegranate(model)
    hmm.fit(sequences, algorithm="baum-welch", min_iterations=iterations - 1, max_iterations=iterations - 1,
            stop_threshold=-math.inf, inertia=None, edge_inertia=0.0, distribution_inertia=0.0,
            pseudocount=None, transition_pseudocount=0, emission_pseudocount=0.0, use_pseudocount=False,
            n_jobs=1, verbose=False)
    return hmm


def parameters_flat(model):
    keys = {"poisson": ["rates"], "gaussian": ["means", "covariances"], "categorical": ["probabilities"]}[model["emission"]]
    return np.concatenate([np.ravel(model[key]) for key in ["initial", "transition"] + keys])


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    rng = np.random.default_rng(SEED)
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    cases = []
    for name, true_model, start, lengths in CASES:
        sequences = generate(true_model, lengths, rng)
        csv = "data/hmm_%s.csv" % name
        write_csv(os.path.join(HERE, csv), true_model, sequences)
        pom_sequences = pomegranate_sequences(start, sequences)

        # numpy reference: ℓ(θ₀), ℓ(θ₁), ..., ℓ(θ₅)
        reference_models = [start]
        reference_logliks = []
        for _ in range(max(ITERATIONS) + 1):
            l, nxt = baum_welch_step(reference_models[-1], sequences)
            reference_logliks.append(l)
            reference_models.append(nxt)

        pom_init = pomegranate_loglik(to_pomegranate(start), pom_sequences)
        case = {"name": name, "data": csv, "lengths": lengths, "start": start,
                "loglikInit": pom_init, "numpyLoglikInit": reference_logliks[0]}
        worst = relative(pom_init, reference_logliks[0])
        for n in ITERATIONS:
            hmm = pomegranate_baum_welch(start, pom_sequences, n)
            value = pomegranate_loglik(hmm, pom_sequences)
            if n > 1:
                through_fit = pomegranate_fit(start, pom_sequences, n)
                gap = np.max(np.abs(parameters_flat(from_pomegranate(through_fit, start)) - parameters_flat(from_pomegranate(hmm, start))))
                if gap > 1e-12:
                    raise SystemExit("%s: fit(max_iterations=%d) differs from %d summarize/from_summaries steps by %g" % (name, n - 1, n, gap))
            case["loglikAfter%d" % n] = value
            case["numpyLoglikAfter%d" % n] = reference_logliks[n]
            worst = max(worst, relative(value, reference_logliks[n]))
            fitted = from_pomegranate(hmm, start)
            difference = np.max(np.abs(parameters_flat(fitted) - parameters_flat(reference_models[n])))
            if difference > 1e-8:
                raise SystemExit("%s: pomegranate's parameters after %d iterations differ from numpy's by %g" % (name, n, difference))
            if n == max(ITERATIONS):
                case["after%d" % n] = fitted
        if worst > 1e-10:
            raise SystemExit("%s: pomegranate and the numpy log-space Baum-Welch differ by %g relative" % (name, worst))
        case["largestRelativeDifferenceFromNumpy"] = worst
        print("%-24s ℓ0 %.10f  ℓ1 %.10f  ℓ5 %.10f  (numpy agrees to %.1e)" % (name, case["loglikInit"], case["loglikAfter1"], case["loglikAfter5"], worst))
        cases.append(case)

    result = {"generator": "hmm_pomegranate.py", "pomegranate": pomegranate.__version__, "numpy": np.__version__,
              "seed": SEED, "cases": cases}
    with open(os.path.join(HERE, "hmm_pomegranate.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
