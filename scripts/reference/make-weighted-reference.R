# Reference values for weighted least squares (lm(weights = w)), computed independently in R.
# Run from the repository root:  Rscript scripts/reference/make-weighted-reference.R
# Writes fixtures/weighted-panel.csv and tests/reference/weighted-reference.json. Needs r-cran-sandwich.
suppressPackageStartupMessages(library(sandwich))
set.seed(2024)
units <- sprintf("W%02d", 1:25)
grid <- expand.grid(period = 2015:2020, unit = units, stringsAsFactors = FALSE)[, c("unit", "period")]
grid <- grid[runif(nrow(grid)) > 0.1, ]
n <- nrow(grid)
u <- rnorm(25, sd = 1.5)[match(grid$unit, units)]
pop <- round(exp(rnorm(25, 9, 0.8))[match(grid$unit, units)] * exp(rnorm(n, 0, 0.05)))
x1 <- round(0.4 * u + rnorm(n), 4)
x2 <- round(rnorm(n) + 0.1 * (grid$period - 2015), 4)
y <- round(20 + 3 * u + 0.5 * (grid$period - 2015) + 1.2 * x1 - 0.8 * x2 + rnorm(n, sd = 300 / sqrt(pop)), 4)
data <- data.frame(unit = grid$unit, period = grid$period, x1 = x1, x2 = x2, pop = pop, y = y)
write.csv(data, "fixtures/weighted-panel.csv", row.names = FALSE, quote = FALSE)
data <- read.csv("fixtures/weighted-panel.csv")
data$unit <- factor(data$unit)
data$period <- factor(data$period)

groups <- list(unit = "unit", a = c("x1", "x2"), period = "period")
k <- length(groups)
r2 <- numeric(2^k)
for (mask in 1:(2^k - 1)) {
  terms <- unlist(groups[bitwAnd(mask, 2^(0:(k - 1))) > 0])
  r2[mask + 1] <- summary(lm(as.formula(paste("y ~", paste(terms, collapse = " + "))), data = data, weights = pop))$r.squared
}
shapley <- numeric(k)
for (mask in 0:(2^k - 1)) {
  s <- sum(bitwAnd(mask, 2^(0:(k - 1))) > 0)
  for (j in 1:k) if (bitwAnd(mask, 2^(j - 1)) == 0) {
    shapley[j] <- shapley[j] + factorial(s) * factorial(k - s - 1) / factorial(k) * (r2[mask + 2^(j - 1) + 1] - r2[mask + 1])
  }
}
fit <- lm(y ~ x1 + x2 + unit + period, data = data, weights = pop)
sm <- summary(fit)
fe_only <- lm(y ~ unit + period, data = data, weights = pop)
rss <- function(f) sum(weighted.residuals(f)^2)
vif <- sapply(c("x1", "x2"), function(v) {
  others <- setdiff(c("x1", "x2", "unit", "period"), v)
  1 / (1 - summary(lm(as.formula(paste(v, "~", paste(others, collapse = " + "))), data = data, weights = pop))$r.squared)
})
cl <- vcovCL(fit, cluster = ~unit, type = "HC1")
G <- length(unique(data$unit))
coefs <- function(se, df) lapply(c("x1", "x2"), function(term) {
  est <- coef(fit)[[term]]
  list(term = term, estimate = est, stdError = se[[term]], t = est / se[[term]], p = 2 * pt(-abs(est / se[[term]]), df))
})
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
  generatedBy = "scripts/reference/make-weighted-reference.R",
  fixture = "fixtures/weighted-panel.csv",
  n = sc(nrow(data)),
  r2BySubset = r2,
  shapley = shapley,
  fit = list(
    k = sc(fit$rank), dfResidual = sc(fit$df.residual), sigma = sc(sm$sigma), r2 = sc(sm$r.squared), adjR2 = sc(sm$adj.r.squared),
    f = sc(unname(sm$fstatistic[1])), withinR2 = sc(1 - rss(fit) / rss(fe_only)),
    vif = unname(vif),
    classical = coefs(sqrt(diag(vcov(fit))), fit$df.residual),
    cluster = coefs(sqrt(diag(cl)), G - 1)
  )
)
writeLines(enc(out), "tests/reference/weighted-reference.json")
