# Reference: the rate of EM at the maximum, the largest eigenvalue of the Jacobian of the EM map (Dempster, Laird &
# Rubin 1977, sec. 3; the largest fraction of missing information), for faithful K=2 under each covariance structure
# (the exact map: no regularisation) and the death-notice Poisson mixture. Written in base R from the densities: the
# map in a minimal parametrisation (π₁..π_{K−1}, means, free covariance entries; π₁, λ₁, λ₂), iterated to its fixed
# point from mclust's maximum, its Jacobian by central differences. The eigenvalues do not depend on the
# parametrisation at a fixed point. Writes em_rates.json.
#
# Regenerate (needs R with mclust for the starting maximum):
#   cd tests/LatentFit.Tests/References && Rscript em_rates.R
suppressMessages(library(mclust))
X <- as.matrix(read.csv("../../../src/LatentFit/Data/Datasets/faithful.csv"))
N <- nrow(X); D <- ncol(X); K <- 2
upper <- which(upper.tri(diag(D), diag = TRUE))

unpack <- function(psi, structure) {
  pro <- c(psi[1:(K - 1)], 1 - sum(psi[1:(K - 1)]))
  mu <- matrix(psi[K:(K - 1 + K * D)], D, K)
  rest <- psi[(K + K * D):length(psi)]
  sigma <- lapply(1:K, function(k) {
    s <- matrix(0, D, D)
    if (structure == "full") { s[upper] <- rest[(k - 1) * length(upper) + seq_along(upper)] }
    if (structure == "tied") { s[upper] <- rest[seq_along(upper)] }
    if (structure == "diag") { diag(s) <- rest[(k - 1) * D + 1:D] }
    if (structure == "spherical") { diag(s) <- rest[k] }
    s[lower.tri(s)] <- t(s)[lower.tri(s)]
    s
  })
  list(pro = pro, mu = mu, sigma = sigma)
}

pack <- function(pro, mu, sigma, structure) {
  cov <- switch(structure,
    full = unlist(lapply(sigma, function(s) s[upper])),
    tied = sigma[[1]][upper],
    diag = unlist(lapply(sigma, diag)),
    spherical = sapply(sigma, function(s) s[1, 1]))
  c(pro[1:(K - 1)], as.vector(mu), cov)
}

logdensity <- function(x, m, s) {
  r <- chol(s); z <- backsolve(r, t(x) - m, transpose = TRUE)
  -0.5 * (D * log(2 * pi) + 2 * sum(log(diag(r))) + colSums(z^2))
}

em <- function(psi, structure) {
  p <- unpack(psi, structure)
  logs <- sapply(1:K, function(k) log(p$pro[k]) + logdensity(X, p$mu[, k], p$sigma[[k]]))
  z <- exp(logs - apply(logs, 1, max)); z <- z / rowSums(z)
  n <- colSums(z); mu <- sapply(1:K, function(k) colSums(z[, k] * X) / n[k])
  scatter <- lapply(1:K, function(k) { c <- t(X) - mu[, k]; (c %*% (z[, k] * t(c))) })
  sigma <- switch(structure,
    full = lapply(1:K, function(k) scatter[[k]] / n[k]),
    tied = rep(list(Reduce(`+`, scatter) / N), K),
    diag = lapply(1:K, function(k) diag(diag(scatter[[k]]) / n[k])),
    spherical = lapply(1:K, function(k) diag(sum(diag(scatter[[k]])) / (D * n[k]), D)))
  pack(n / N, mu, sigma, structure)
}

rate <- function(map, psi) {
  for (i in 1:100000) { nxt <- map(psi); if (max(abs(nxt - psi)) < 1e-14 * max(1, max(abs(psi)))) break; psi <- nxt }
  J <- sapply(seq_along(psi), function(j) { h <- 1e-6 * max(1, abs(psi[j])); a <- b <- psi; a[j] <- a[j] + h; b[j] <- b[j] - h; (map(a) - map(b)) / (2 * h) })
  max(Mod(eigen(J, only.values = TRUE)$values))
}

models <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")
rates <- sapply(names(models), function(structure) {
  fit <- Mclust(X, G = K, modelNames = models[[structure]], verbose = FALSE)
  start <- pack(fit$parameters$pro, fit$parameters$mean, lapply(1:K, function(k) fit$parameters$variance$sigma[, , k]), structure)
  rate(function(psi) em(psi, structure), start)
})

y <- 0:9; freq <- c(162, 267, 271, 185, 111, 61, 27, 8, 3, 1)
poisson <- function(p) {
  a <- p[1] * exp(-p[2]) * p[2]^y; b <- (1 - p[1]) * exp(-p[3]) * p[3]^y; z <- a / (a + b)
  c(sum(freq * z) / sum(freq), sum(y * freq * z) / sum(freq * z), sum(y * freq * (1 - z)) / sum(freq * (1 - z)))
}
deaths <- rate(poisson, c(0.36, 1.26, 2.66))
writeLines(sprintf('{"generator": "Rscript em_rates.R (mclust %s, %s)", "faithfulK2": {"full": %.10f, "tied": %.10f, "diag": %.10f, "spherical": %.10f}, "deathNoticesK2": %.10f}',
  packageVersion("mclust"), R.version.string, rates[["full"]], rates[["tied"]], rates[["diag"]], rates[["spherical"]], deaths), "em_rates.json")
