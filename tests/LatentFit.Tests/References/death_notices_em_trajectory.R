# Reference: plain EM on the death-notice Poisson mixture (Hasselblad 1969) from p = 0.3, λ = (1.0, 2.5), in base R:
# after 1, 5, 20, 100 and 500 steps, the parameters (π₁, λ₁, λ₂) and the log-likelihood of those parameters with the
# log y! terms, Σ f log(π₁ Pois(y; λ₁) + (1 − π₁) Pois(y; λ₂)). Used to check that the mixture posterior shared by
# every emission family gives the same EM steps as before (1e-12 relative). Writes death_notices_em_trajectory.json.
#
# Regenerate:
#   cd tests/LatentFit.Tests/References && Rscript death_notices_em_trajectory.R
y <- 0:9; freq <- c(162,267,271,185,111,61,27,8,3,1)
em1 <- function(p) {
  pi <- p[1]; mu1 <- p[2]; mu2 <- p[3]
  zi <- pi*exp(-mu1)*mu1^y; z2 <- (1-pi)*exp(-mu2)*mu2^y
  zz <- zi/(zi+z2)
  c(sum(freq*zz)/sum(freq), sum(y*freq*zz)/sum(freq*zz), sum(y*freq*(1-zz))/sum(freq*(1-zz)))
}
loglik <- function(p) sum(freq * log(p[1]*dpois(y, p[2]) + (1-p[1])*dpois(y, p[3])))
p <- c(0.3, 1.0, 2.5)
records <- character(0)
for (i in 1:500) {
  p <- em1(p)
  if (i %in% c(1, 5, 20, 100, 500)) {
    records <- c(records, sprintf('{"steps": %d, "weight1": %.17g, "rate1": %.17g, "rate2": %.17g, "loglik": %.17g}', i, p[1], p[2], p[3], loglik(p)))
  }
}
writeLines(sprintf('{"generator": "Rscript death_notices_em_trajectory.R (%s)", "start": [0.3, 1.0, 2.5], "records": [%s]}',
  R.version.string, paste(records, collapse = ", ")), "death_notices_em_trajectory.json")
