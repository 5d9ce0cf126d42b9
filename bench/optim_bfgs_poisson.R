# R's optim BFGS on the death-notice Poisson mixture from (π, λ₁, λ₂) = (0.3, 1, 2.5), analytic gradient, reltol 1e-14:
# the reference for the passes table of bench/passes-from-death-notice-start.sh. Prints the optimum, ℓ and optim's counts.
# Run: Rscript bench/optim_bfgs_poisson.R (needs only base R; the NaN warnings are optim's probes outside (0, 1)).
y <- 0:9; w <- c(162,267,271,185,111,61,27,8,3,1)
nll <- function(par) { p <- par[1]; l1 <- par[2]; l2 <- par[3]
  f <- p*dpois(y,l1) + (1-p)*dpois(y,l2); -sum(w*log(f)) }
gr <- function(par) { p <- par[1]; l1 <- par[2]; l2 <- par[3]
  a <- p*dpois(y,l1); b <- (1-p)*dpois(y,l2); f <- a+b
  -c(sum(w*(dpois(y,l1)-dpois(y,l2))/f), sum(w*a*(y/l1-1)/f), sum(w*b*(y/l2-1)/f)) }
o <- optim(c(0.3,1,2.5), nll, gr, method="BFGS", control=list(reltol=1e-14, maxit=1000))
print(o$par, digits=10); print(-o$value, digits=12); print(o$counts); print(o$convergence)
