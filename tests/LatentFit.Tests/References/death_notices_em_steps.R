# Reference: how many plain EM steps the death-notice Poisson mixture (Hasselblad 1969) needs from p = 0.3,
# λ = (1.0, 2.5) until a step moves the parameters by less than 1e-8 in Euclidean norm, counted two ways in base R:
# over SQUAREM's (π₁, λ₁, λ₂), which reproduces fpiter's count in squarem_poisson.json, and over (π₁, π₂, λ₁, λ₂),
# the natural parameters in which LatentFit measures the change (π₂ = 1 − π₁ moves too, so its change counts twice).
# Writes death_notices_em_steps.json.
# Also the trajectory of those steps: after 1, 5, 20, 100 and 500 steps, (π₁, λ₁, λ₂) and the log-likelihood of those
# parameters with the log y! terms, Σ f log(π₁ Pois(y; λ₁) + (1 − π₁) Pois(y; λ₂)), which checks that the mixture
# posterior shared by every emission family gives the same EM steps as before (1e-12 relative). Writes
# death_notices_em_trajectory.json.
#
# Regenerate:
#   cd tests/LatentFit.Tests/References && Rscript death_notices_em_steps.R
y <- 0:9; freq <- c(162,267,271,185,111,61,27,8,3,1)
em1 <- function(p) {
  pi <- p[1]; mu1 <- p[2]; mu2 <- p[3]
  zi <- pi*exp(-mu1)*mu1^y; z2 <- (1-pi)*exp(-mu2)*mu2^y
  zz <- zi/(zi+z2)
  c(sum(freq*zz)/sum(freq), sum(y*freq*zz)/sum(freq*zz), sum(y*freq*(1-zz))/sum(freq*(1-zz)))
}
steps <- function(change) {
  p <- c(0.3, 1.0, 2.5)
  for (i in 1:100000) { q <- em1(p); if (change(q - p) < 1e-8) return(i); p <- q }
}
three <- steps(function(d) sqrt(sum(d^2)))
four <- steps(function(d) sqrt(sum(d^2) + d[1]^2))
writeLines(sprintf('{"generator": "Rscript death_notices_em_steps.R (%s)", "start": [0.3, 1.0, 2.5], "tolerance": 1e-8, "stepsThreeParameters": %d, "stepsNaturalParameters": %d}',
  R.version.string, three, four), "death_notices_em_steps.json")
loglik <- function(p) sum(freq * log(p[1]*dpois(y, p[2]) + (1-p[1])*dpois(y, p[3])))
p <- c(0.3, 1.0, 2.5)
records <- character(0)
for (i in 1:500) {
  p <- em1(p)
  if (i %in% c(1, 5, 20, 100, 500)) {
    records <- c(records, sprintf('{"steps": %d, "weight1": %.17g, "rate1": %.17g, "rate2": %.17g, "loglik": %.17g}', i, p[1], p[2], p[3], loglik(p)))
  }
}
writeLines(sprintf('{"generator": "Rscript death_notices_em_steps.R (%s)", "start": [0.3, 1.0, 2.5], "records": [%s]}',
  R.version.string, paste(records, collapse = ", ")), "death_notices_em_trajectory.json")
