# Reference: mclust's model-based hierarchical clustering, the start of Mclust(), for LatentFit's --init-method hc.
#
# For each data set and G: the G-cluster partition hclass(hc(X, "VVV", use = mclust.options("hcUse")), G) (VVV
# criterion, mclust's default "SVD" transformation, all rows: every set here has at most mclust.options("subset")
# = 2000 rows), and mclustLoglik, the ℓ of Mclust(X, G, "VVV") from that start run to a relative tolerance of 1e-12.
# Data: faithful and iris are LatentFit's embedded copies; the others are data/<name>.csv (restart_targets.R).
#
# Regenerate (after restart_targets.R, which writes data/):
#   apt-get update && apt-get install -y r-base-core r-cran-mclust
#   cd tests/LatentFit.Tests/References && Rscript hc_partitions.R
suppressMessages(library(mclust))
data_dir <- file.path("..", "..", "..", "src", "LatentFit", "Data", "Datasets")
read <- function(name) {
  if (name %in% c("faithful", "iris")) {
    x <- read.csv(file.path(data_dir, paste0(name, ".csv")))
    if (name == "iris") x <- x[, 1:4]
    return(as.matrix(x))
  }
  as.matrix(read.csv(file.path("data", paste0(name, ".csv"))))
}
ks <- list(faithful = c(2, 3, 4), iris = c(3, 5), banknote = c(2, 4), diabetes = c(3, 5), thyroid = c(3, 5),
           wreath = c(14), ex4_4_2 = c(3))
control <- emControl(tol = c(1e-12, sqrt(.Machine$double.eps)), itmax = c(1e5, 1e5))
stopifnot(mclust.options("hcUse") == "SVD", mclust.options("hcModelName") == "VVV")
cases <- c()
for (name in names(ks)) {
  X <- read(name)
  stopifnot(nrow(X) <= mclust.options("subset"))
  tree <- hc(X, modelName = "VVV", use = mclust.options("hcUse"))
  for (k in ks[[name]]) {
    labels <- hclass(tree, k)[, 1]
    fit <- Mclust(X, G = k, modelNames = "VVV", control = control, verbose = FALSE)
    # Mclust's classification after EM is not the hc partition; its start is, which this checks.
    stopifnot(isTRUE(all.equal(fit$loglik, me(X, "VVV", unmap(labels), control = control)$loglik)))
    cat(sprintf("%-9s G=%d sizes %s Mclust VVV loglik %.6f\n", name, k, paste(tabulate(labels), collapse = "/"), fit$loglik))
    cases <- c(cases, sprintf('  {"dataset": "%s", "k": %d, "mclustLoglik": %.17g, "labels": [%s]}',
      name, k, fit$loglik, paste(labels, collapse = ", ")))
  }
}
writeLines(c("{",
  sprintf('"generator": "Rscript hc_partitions.R (mclust %s, %s)",', packageVersion("mclust"), R.version.string),
  '"cases": [', paste(cases, collapse = ",\n"), "]}"), "hc_partitions.json")
