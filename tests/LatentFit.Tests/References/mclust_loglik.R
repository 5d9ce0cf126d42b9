# Reference: mclust's maximised log-likelihoods, for LatentFit's tests.
#
# For faithful (G=2) and iris (G=3, the four measurements) and mclust models VVV, EEE, VVI, VII (LatentFit's
# full, tied, diag, spherical), records Mclust()'s loglik (hierarchical-agglomeration start) and, as a guard
# against that start landing in a local optimum, the best loglik of me() from 50 random-responsibility starts.
# Both run to a relative tolerance of 1e-12 (mclust's default, 1e-5, stops up to ~3e-3 short of the maximum);
# "best" is the larger of the two, the number LatentFit's best-of-restarts fit is compared with.
# For the record, loglikDefaultTolerance is Mclust(X, G, modelNames) with mclust's default control, and the
# top-level "note" lists the cases where the random starts' best differs from Mclust's loglik by more than 1e-3.
#
# Regenerate:
#   apt-get update && apt-get install -y r-base-core r-cran-mclust
#   cd tests/LatentFit.Tests/References && Rscript mclust_loglik.R
suppressMessages(library(mclust))
data_dir <- file.path("..", "..", "..", "src", "LatentFit", "Data", "Datasets")
sets <- list(
  list(name = "faithful", k = 2, X = as.matrix(read.csv(file.path(data_dir, "faithful.csv")))),
  list(name = "iris", k = 3, X = as.matrix(read.csv(file.path(data_dir, "iris.csv"))[, 1:4]))
)
control <- emControl(tol = c(1e-12, sqrt(.Machine$double.eps)), itmax = c(1e5, 1e5))
models <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")
num <- function(x) paste0("[", paste(sprintf("%.17g", x), collapse = ", "), "]")
cases <- c()
notes <- c()
for (s in sets) {
  for (cov in names(models)) {
    m <- models[[cov]]
    fit <- Mclust(s$X, G = s$k, modelNames = m, control = control, verbose = FALSE)
    fit_default <- Mclust(s$X, G = s$k, modelNames = m, verbose = FALSE)
    set.seed(20261124)
    best <- -Inf
    for (r in 1:50) {
      z <- unmap(sample.int(s$k, nrow(s$X), replace = TRUE), groups = 1:s$k)
      f <- tryCatch(me(data = s$X, modelName = m, z = z, control = control), error = function(e) NULL)
      if (!is.null(f) && is.finite(f$loglik)) best <- max(best, f$loglik)
    }
    if (abs(best - fit$loglik) > 1e-3)
      notes <- c(notes, sprintf("%s %s (%s): Mclust %.4f, best of 50 random starts %.4f", s$name, cov, m, fit$loglik, best))
    d <- ncol(s$X)
    sig <- fit$parameters$variance$sigma
    covs <- paste0("[", paste(sapply(1:s$k, function(j) paste0("[", paste(sapply(1:d, function(r) num(sig[r, , j])), collapse = ", "), "]")), collapse = ", "), "]")
    means <- paste0("[", paste(sapply(1:s$k, function(j) num(fit$parameters$mean[, j])), collapse = ", "), "]")
    cases <- c(cases, sprintf(
      '  {"dataset": "%s", "k": %d, "covariance": "%s", "mclustModel": "%s", "loglik": %.17g, "loglikDefaultTolerance": %.17g, "bestRandomStartLoglik": %.17g, "best": %.17g, "weights": %s, "means": %s, "covariances": %s}',
      s$name, s$k, cov, m, fit$loglik, fit_default$loglik, best, max(best, fit$loglik), num(fit$parameters$pro), means, covs))
    cat(sprintf("%-8s G=%d %-9s %s loglik=%.6f best of 50 random starts=%.6f\n", s$name, s$k, cov, m, fit$loglik, best))
  }
}
writeLines(c("{",
  sprintf('"generator": "Rscript mclust_loglik.R (mclust %s, %s)",', packageVersion("mclust"), R.version.string),
  sprintf('"note": "%s",', if (length(notes) == 0) "random starts never differ from Mclust's loglik by more than 1e-3" else
    paste0("random starts differ from Mclust's loglik by more than 1e-3 in: ", paste(notes, collapse = "; "))),
  '"cases": [', paste(cases, collapse = ",\n"), "]}"), "mclust_loglik.json")
