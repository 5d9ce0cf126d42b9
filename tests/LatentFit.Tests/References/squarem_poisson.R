# Reference: the SQUAREM R package (Varadhan & Roland 2008) on the death-notice Poisson mixture
# (Hasselblad 1969), EM against SQUAREM from p0 = (0.3, 1.0, 2.5) with tolerance 1e-8 on the parameter change,
# as in ../../../../shared/peers/squarem_poisson.R; writes squarem_poisson.json.
#
# Regenerate:
#   apt-get install -y r-base-core r-cran-squarem
#   cd tests/LatentFit.Tests/References && Rscript squarem_poisson.R
# An optional argument writes the JSON elsewhere (bench/compare-squarem.sh runs it into a temporary folder).
suppressMessages(library(SQUAREM))
y <- 0:9; freq <- c(162,267,271,185,111,61,27,8,3,1)
em1 <- function(p, y, freq) {
  pi <- p[1]; mu1 <- p[2]; mu2 <- p[3]
  zi <- pi*exp(-mu1)*mu1^y; z2 <- (1-pi)*exp(-mu2)*mu2^y
  zz <- zi/(zi+z2)
  c(sum(freq*zz)/sum(freq), sum(y*freq*zz)/sum(freq*zz), sum(y*freq*(1-zz))/sum(freq*(1-zz)))
}
nll <- function(p, y, freq) {
  pi <- p[1]; mu1 <- p[2]; mu2 <- p[3]
  -sum(freq*log(pi*exp(-mu1)*mu1^y + (1-pi)*exp(-mu2)*mu2^y))
}
p0 <- c(0.3, 1.0, 2.5)
f1 <- fpiter(par=p0, fixptfn=em1, objfn=nll, y=y, freq=freq, control=list(tol=1e-8, maxiter=100000))
f2 <- squarem(par=p0, fixptfn=em1, objfn=nll, y=y, freq=freq, control=list(tol=1e-8))
logfact <- sum(freq * lfactorial(y))
# Other starts, for the comparison of LatentFit's auto method with SQUAREM from each.
others <- list(c(0.5, 0.5, 4.0), c(0.8, 1.5, 3.0), c(0.1, 2.0, 2.1), c(0.6, 3.0, 1.0))
rows <- sapply(others, function(q) {
  g <- suppressWarnings(squarem(par=q, fixptfn=em1, objfn=nll, y=y, freq=freq, control=list(tol=1e-8)))
  e <- fpiter(par=q, fixptfn=em1, objfn=nll, y=y, freq=freq, control=list(tol=1e-8, maxiter=100000))
  sprintf('  {"start": [%.17g, %.17g, %.17g], "fpevals": %d, "objfevals": %d, "negLogLikNoFactorial": %.17g, "emFpevals": %d}', q[1], q[2], q[3], g$fpevals, g$objfevals, g$value.objfn, e$fpevals)
})
writeLines(sprintf(paste0('{"generator": "Rscript squarem_poisson.R (SQUAREM %s, %s)", "start": [0.3, 1.0, 2.5], "tolerance": 1e-8,\n',
  ' "logFactorialTerm": %.17g,\n',
  ' "em": {"par": [%.17g, %.17g, %.17g], "negLogLikNoFactorial": %.17g, "fpevals": %d},\n',
  ' "squarem": {"par": [%.17g, %.17g, %.17g], "negLogLikNoFactorial": %.17g, "fpevals": %d, "objfevals": %d},\n',
  ' "squaremOtherStarts": [\n%s]}'),
  packageVersion("SQUAREM"), R.version.string, logfact,
  f1$par[1], f1$par[2], f1$par[3], f1$value.objfn, f1$fpevals,
  f2$par[1], f2$par[2], f2$par[3], f2$value.objfn, f2$fpevals, f2$objfevals, paste(rows, collapse = ",\n")), if (length(commandArgs(TRUE)) > 0) commandArgs(TRUE)[1] else "squarem_poisson.json")
