# Reference values for weighted least squares with some weights 0, computed independently in R.
# Run from the repository root:  Rscript scripts/reference/make-zero-weight-reference.R
# Reads fixtures/weighted-panel.csv (made by make-weighted-reference.R); writes fixtures/zero-weight-panel.csv and
# tests/reference/zero-weight-reference.json. Needs r-cran-sandwich.
#
# The fixture is the weighted panel with a weight column w: the population, except 0 on 14 rows drawn at random
# and on every row of unit W07 (so that one level of the unit effects has no row of positive weight). R's
# lm(weights = w) fits the model without the rows of weight 0 (lm.wfit drops them: n and the residual degrees of
# freedom count only the others, and W07's indicator is aliased); the script checks that against lm() on the rows
# of positive weight, and writes the values of the fit without them. sandwich::vcovCL on the fit with zero
# weights would count the rows of weight 0 in N and W07 among the clusters, so the CR1 values are those of the fit
# on the rows kept, which is the model the tool fits.
suppressPackageStartupMessages(library(sandwich))
data <- read.csv("fixtures/weighted-panel.csv")
set.seed(7)
zero <- sort(sample(which(data$unit != "W07"), 14))
data$w <- data$pop
data$w[zero] <- 0
data$w[data$unit == "W07"] <- 0
write.csv(data, "fixtures/zero-weight-panel.csv", row.names = FALSE, quote = FALSE)
data <- read.csv("fixtures/zero-weight-panel.csv")
data$unit <- factor(data$unit)
data$period <- factor(data$period)
kept <- droplevels(data[data$w != 0, ])

same <- function(a, b, what) {
  ok <- isTRUE(all.equal(a, b, tolerance = 1e-12, check.attributes = FALSE))
  if (!ok) stop(paste("lm with zero weights differs from lm without those rows:", what))
}

groups <- list(unit = "unit", a = c("x1", "x2"), period = "period")
k <- length(groups)
r2 <- numeric(2^k)
for (mask in 1:(2^k - 1)) {
  terms <- unlist(groups[bitwAnd(mask, 2^(0:(k - 1))) > 0])
  formula <- as.formula(paste("y ~", paste(terms, collapse = " + ")))
  r2[mask + 1] <- summary(lm(formula, data = data, weights = w))$r.squared
  same(r2[mask + 1], summary(lm(formula, data = kept, weights = w))$r.squared, paste("R² of", deparse(formula)))
}
shapleyOf <- function(r2, k) {
  shapley <- numeric(k)
  for (mask in 0:(2^k - 1)) {
    s <- sum(bitwAnd(mask, 2^(0:(k - 1))) > 0)
    for (j in 1:k) if (bitwAnd(mask, 2^(j - 1)) == 0) {
      shapley[j] <- shapley[j] + factorial(s) * factorial(k - s - 1) / factorial(k) * (r2[mask + 2^(j - 1) + 1] - r2[mask + 1])
    }
  }
  shapley
}
shapley <- shapleyOf(r2, k)

fit <- lm(y ~ x1 + x2 + unit + period, data = data, weights = w)
fitKept <- lm(y ~ x1 + x2 + unit + period, data = kept, weights = w)
sm <- summary(fit)
smKept <- summary(fitKept)
same(coef(fit)[c("x1", "x2")], coef(fitKept)[c("x1", "x2")], "coefficients")
same(sqrt(diag(vcov(fit)))[c("x1", "x2")], sqrt(diag(vcov(fitKept)))[c("x1", "x2")], "standard errors")
same(c(fit$rank, fit$df.residual, sm$sigma, sm$r.squared, sm$adj.r.squared, nobs(fit)),
     c(fitKept$rank, fitKept$df.residual, smKept$sigma, smKept$r.squared, smKept$adj.r.squared, nobs(fitKept)),
     "rank, residual df, sigma, R², adjusted R², nobs")
if (!is.na(coef(fit)[["unitW07"]])) stop("W07's indicator should be aliased: it has no row of positive weight")

fe_only <- lm(y ~ unit + period, data = kept, weights = w)
rss <- function(f) sum(weighted.residuals(f)^2)
vif <- sapply(c("x1", "x2"), function(v) {
  others <- setdiff(c("x1", "x2", "unit", "period"), v)
  1 / (1 - summary(lm(as.formula(paste(v, "~", paste(others, collapse = " + "))), data = data, weights = w))$r.squared)
})
cl <- vcovCL(fitKept, cluster = ~unit, type = "HC1")
G <- length(unique(kept$unit))
coefs <- function(se, df) lapply(c("x1", "x2"), function(term) {
  est <- coef(fit)[[term]]
  list(term = term, estimate = est, stdError = se[[term]], t = est / se[[term]], p = 2 * pt(-abs(est / se[[term]]), df))
})

# A model without fixed effects (the tool streams it into a triangular factor): groups x1 and x2.
numericR2 <- c(0,
  summary(lm(y ~ x1, data = data, weights = w))$r.squared,
  summary(lm(y ~ x2, data = data, weights = w))$r.squared,
  summary(lm(y ~ x1 + x2, data = data, weights = w))$r.squared)
same(numericR2[4], summary(lm(y ~ x1 + x2, data = kept, weights = w))$r.squared, "R² without fixed effects")

num <- function(v) trimws(formatC(v, digits = 17, format = "g"))
enc <- function(x) {
  if (is.list(x)) {
    if (!is.null(names(x))) paste0("{", paste(sprintf("\"%s\":%s", names(x), vapply(x, enc, "")), collapse = ","), "}")
    else paste0("[", paste(vapply(x, enc, ""), collapse = ","), "]")
  } else if (is.character(x)) sprintf("\"%s\"", x)
  else if (length(x) == 1 && !is.null(attr(x, "scalar"))) num(x)
  else paste0("[", paste(num(x), collapse = ","), "]")
}
sc <- function(v) structure(v, scalar = TRUE)
out <- list(
  generatedBy = "scripts/reference/make-zero-weight-reference.R",
  fixture = "fixtures/zero-weight-panel.csv",
  rows = sc(nrow(data)),
  zeroWeightRows = sc(sum(data$w == 0)),
  n = sc(nobs(fit)),
  unitLevels = sc(nlevels(kept$unit)),
  r2BySubset = r2,
  shapley = shapley,
  fit = list(
    k = sc(fit$rank), dfResidual = sc(fit$df.residual), sigma = sc(sm$sigma), r2 = sc(sm$r.squared), adjR2 = sc(sm$adj.r.squared),
    f = sc(unname(sm$fstatistic[1])), withinR2 = sc(1 - rss(fitKept) / rss(fe_only)),
    vif = unname(vif),
    classical = coefs(sqrt(diag(vcov(fit))), fit$df.residual),
    cluster = coefs(sqrt(diag(cl)), G - 1),
    clusters = sc(G)
  ),
  numeric = list(r2BySubset = numericR2, shapley = shapleyOf(numericR2, 2))
)
writeLines(enc(out), "tests/reference/zero-weight-reference.json")
