# The SQUAREM R package on the death-notice Poisson mixture from several starts (p, λ1, λ2), tolerance 1e-8 on
# the parameter change; prints one line per start: start, EM fpevals, SQUAREM fpevals and objfevals, optimum.
# Used by bench/compare-squarem.sh; needs r-cran-squarem.
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
starts <- list(c(0.3, 1.0, 2.5), c(0.5, 0.5, 4.0), c(0.8, 1.5, 3.0), c(0.1, 2.0, 2.1), c(0.6, 3.0, 1.0))
for (p0 in starts) {
  f1 <- fpiter(par=p0, fixptfn=em1, objfn=nll, y=y, freq=freq, control=list(tol=1e-8, maxiter=100000))
  f2 <- squarem(par=p0, fixptfn=em1, objfn=nll, y=y, freq=freq, control=list(tol=1e-8))
  cat(sprintf("%s %s %d %d %d %.7f\n", "R", paste(p0, collapse=","), f1$fpevals, f2$fpevals, f2$objfevals, -f2$value.objfn - sum(freq*lfactorial(y))))
}
