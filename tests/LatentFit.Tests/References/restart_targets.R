# Reference: mclust's maximised log-likelihoods for the --restarts target of issue 9, and the data they are on.
#
# For each case (data set, G, model) records Mclust(X, G, modelNames) ℓ: mclust's own start (model-based
# hierarchical agglomeration, VVV criterion, on the SVD-transformed data, mclust.options("hcUse")), then EM.
# `loglik` runs EM to a relative tolerance of 1e-12 (the maximum of that start's basin); `loglikDefaultTolerance`
# is plain Mclust() with mclust's default control, for the record. mclust has no variance floor (scikit-learn's
# reg_covar): LatentFit is compared with `loglik` at --reg-covar 0.
# Models: VVV, EEE, VVI, VII (LatentFit's full, tied, diag, spherical); for one-dimensional data mclust's V and E
# (LatentFit's full/diag/spherical and tied coincide there).
# Also writes every data set, columns as used, to data/<name>.csv (faithful and iris are LatentFit's embedded
# copies and are not written again).
#
# Regenerate (then run restart_targets.py, which adds scikit-learn's numbers):
#   apt-get update && apt-get install -y r-base-core r-cran-mclust
#   cd tests/LatentFit.Tests/References && Rscript restart_targets.R
suppressMessages(library(mclust))
data_dir <- file.path("..", "..", "..", "src", "LatentFit", "Data", "Datasets")
data(banknote, diabetes, thyroid, wreath, chevron, acidity, cross, EuroUnemployment, package = "mclust")
data(Baudry_etal_2010_JCGS_examples, package = "mclust")
sets <- list(
  faithful = as.matrix(read.csv(file.path(data_dir, "faithful.csv"))),
  iris = as.matrix(read.csv(file.path(data_dir, "iris.csv"))[, 1:4]),
  banknote = as.matrix(banknote[, -1]),
  diabetes = as.matrix(diabetes[, -1]),
  thyroid = as.matrix(thyroid[, -1]),
  wreath = wreath,
  chevron = as.matrix(chevron[, -1]),
  acidity = matrix(acidity, ncol = 1, dimnames = list(NULL, "acidity")),
  cross = as.matrix(cross[, -1]),
  euro_unemployment = as.matrix(EuroUnemployment),
  ex4_1 = as.matrix(ex4.1),
  ex4_4_2 = as.matrix(ex4.4.2)
)
ks <- list(faithful = c(2, 3, 4), iris = c(3, 5), banknote = c(2, 4), diabetes = c(3, 5), thyroid = c(3, 5),
           wreath = c(8, 14), chevron = c(5), acidity = c(2, 3), cross = c(4), euro_unemployment = c(2, 3),
           ex4_1 = c(4, 6), ex4_4_2 = c(3, 5))
models <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")
models1d <- c(full = "V", tied = "E")
control <- emControl(tol = c(1e-12, sqrt(.Machine$double.eps)), itmax = c(1e5, 1e5))
dir.create("data", showWarnings = FALSE)
cases <- c()
for (name in names(sets)) {
  X <- sets[[name]]
  colnames(X) <- gsub("[^A-Za-z0-9_]", "_", colnames(X))
  if (!(name %in% c("faithful", "iris")))
    write.csv(X, file.path("data", paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  ms <- if (ncol(X) == 1) models1d else models
  for (k in ks[[name]]) {
    for (cov in names(ms)) {
      m <- ms[[cov]]
      fit <- Mclust(X, G = k, modelNames = m, control = control, verbose = FALSE)
      fit_default <- Mclust(X, G = k, modelNames = m, verbose = FALSE)
      ll <- if (is.null(fit)) NA else fit$loglik
      ll_default <- if (is.null(fit_default)) NA else fit_default$loglik
      cat(sprintf("%-18s G=%2d %-9s %-3s loglik=%.6f default control %.6f\n", name, k, cov, m, ll, ll_default))
      cases <- c(cases, sprintf('  {"dataset": "%s", "rows": %d, "dimension": %d, "k": %d, "covariance": "%s", "mclustModel": "%s", "mclustLoglik": %s, "mclustLoglikDefaultTolerance": %s}',
        name, nrow(X), ncol(X), k, cov, m, if (is.na(ll)) "null" else sprintf("%.17g", ll), if (is.na(ll_default)) "null" else sprintf("%.17g", ll_default)))
    }
  }
}
writeLines(c("{",
  sprintf('"generator": "Rscript restart_targets.R (mclust %s, %s)",', packageVersion("mclust"), R.version.string),
  '"cases": [', paste(cases, collapse = ",\n"), "]}"), "restart_targets_mclust.json")
