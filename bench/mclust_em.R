# mclust's EM (Fortran) from given parameters for a fixed number of iterations, for bench/compare_peers.py.
# usage: Rscript bench/mclust_em.R DATA.bin N D K MODEL START.txt ITERS
#   DATA.bin: N×D float64, row-major, little-endian; START.txt: K weights, K×D means (row by row), then K D×D
#   covariances (row by row), whitespace-separated. MODEL: VVV (full) or VVI (diag).
# Prints: "ms_per_iter loglik", ms per iteration as the slope between runs of 1 and ITERS iterations (set-up not
# counted). em() with itmax = n returns ℓ after n EM iterations from the start, as LatentFit's fit with
# --max-iter n --tol 0 --reg-covar 0 does (mclust has no variance floor).
suppressMessages(library(mclust))
a <- commandArgs(TRUE)
N <- as.integer(a[2]); D <- as.integer(a[3]); K <- as.integer(a[4]); model <- a[5]; iters <- as.integer(a[7])
X <- matrix(readBin(a[1], "double", N * D, size = 8, endian = "little"), N, D, byrow = TRUE)
v <- scan(a[6], quiet = TRUE)
pro <- v[1:K]
mean <- matrix(v[K + 1:(K * D)], D, K)  # mclust keeps one column per component
sigma <- array(0, c(D, D, K))
for (k in 1:K) sigma[, , k] <- matrix(v[K + K * D + (k - 1) * D * D + 1:(D * D)], D, D, byrow = TRUE)
variance <- if (model == "VVV") {
  list(modelName = model, d = D, G = K, sigma = sigma, cholsigma = array(apply(sigma, 3, chol), c(D, D, K)))
} else {
  list(modelName = model, d = D, G = K, sigma = sigma, scale = sapply(1:K, function(k) prod(diag(sigma[, , k]))^(1 / D)),
       shape = sapply(1:K, function(k) diag(sigma[, , k]) / prod(diag(sigma[, , k]))^(1 / D)))
}
parameters <- list(pro = pro, mean = mean, variance = variance)
run <- function(n) {
  t <- system.time(fit <- em(data = X, modelName = model, parameters = parameters,
                             control = emControl(itmax = c(n, n), tol = c(1e-300, 1e-300))))
  list(seconds = t[["elapsed"]], loglik = fit$loglik)
}
one <- run(1)
many <- run(iters)
cat(sprintf("%.3f %.10f\n", 1000 * (many$seconds - one$seconds) / (iters - 1), many$loglik))
