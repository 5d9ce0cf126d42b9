# Reference: standard errors of the death-notice Poisson mixture (Hasselblad 1969) at SQUAREM's optimum,
# in SQUAREM's parametrisation p = (π₁, λ₁, λ₂): √diag(H⁻¹) with H the Hessian of the negative log-likelihood by
# central second differences, in base R (no package). The published values these reproduce, 0.1946843,
# 0.3500297, 0.2504783, are those of the SQUAREM example (numDeriv's Richardson Hessian at the same point).
# Writes squarem_standard_errors.json.
#
# Regenerate (needs only R; reads SQUAREM's optimum from squarem_poisson.json, made by squarem_poisson.R):
#   cd tests/LatentFit.Tests/References && Rscript squarem_standard_errors.R
y <- 0:9; freq <- c(162,267,271,185,111,61,27,8,3,1)
nll <- function(p) -sum(freq*log(p[1]*exp(-p[2])*p[2]^y + (1-p[1])*exp(-p[3])*p[3]^y))
json <- paste(readLines("squarem_poisson.json"), collapse = "")
squarem <- sub('.*"squarem": \\{"par": \\[([^]]*)\\].*', "\\1", json)
p <- as.numeric(strsplit(squarem, ",")[[1]])
h <- 1e-4
H <- matrix(0, 3, 3)
for (i in 1:3) for (j in 1:3) {
  at <- function(a, b) { q <- p; q[i] <- q[i] + a; q[j] <- q[j] + b; nll(q) }
  H[i, j] <- (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h)
}
se <- sqrt(diag(solve(H)))
writeLines(sprintf(paste0('{"generator": "Rscript squarem_standard_errors.R (%s)", "parameters": ["weight[1]", "rate[1]", "rate[2]"],\n',
  ' "at": [%.17g, %.17g, %.17g],\n',
  ' "published": [0.1946843, 0.3500297, 0.2504783],\n',
  ' "centralDifferences": [%.17g, %.17g, %.17g]}'),
  R.version.string, p[1], p[2], p[3], se[1], se[2], se[3]), "squarem_standard_errors.json")
