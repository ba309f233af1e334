# Reference values for cpp-variance's tests, computed independently with R's lm() on factor dummies.
# Run from the repository root:  Rscript scripts/reference/make-reference.R
# Writes fixtures/reference-panel.csv (the data) and tests/reference/lm-reference.json (the values).
# R is not needed to run the tests: the outputs are committed.

set.seed(20191)
units <- sprintf("R%02d", 1:30)
periods <- 2010:2016
grid <- expand.grid(period = periods, unit = units, stringsAsFactors = FALSE)[, c("unit", "period")]
# Unbalanced: drop about 15% of unit-periods at random.
grid <- grid[runif(nrow(grid)) > 0.15, ]
n <- nrow(grid)
u <- rnorm(length(units), sd = 2)[match(grid$unit, units)]
p <- (grid$period - 2010) * 0.4 + rnorm(length(periods), sd = 0.5)[grid$period - 2009]
x3 <- round(rnorm(length(units))[match(grid$unit, units)], 4) # constant within unit: absorbed by unit effects
x1 <- round(0.5 * u + rnorm(n), 4)
x2 <- round(0.3 * x1 + 0.2 * p + rnorm(n), 4)
y <- round(10 + u + p + 0.8 * x1 - 0.5 * x2 + 0.6 * x3 + rnorm(n, sd = 1.5), 4)
data <- data.frame(region_code = grid$unit, period = grid$period, x1 = x1, x2 = x2, x3 = x3, y = y)
# A few missing cells, written as NA and as empty cells.
data$x1[c(5, 40)] <- NA
data$y[c(77)] <- NA
write.csv(data, "fixtures/reference-panel.csv", row.names = FALSE, na = "NA", quote = FALSE)
lines <- readLines("fixtures/reference-panel.csv")
lines[1 + 40] <- sub(",NA,", ",,", lines[1 + 40]) # row 41 of the file: x1 empty instead of NA
writeLines(lines, "fixtures/reference-panel.csv")

data <- read.csv("fixtures/reference-panel.csv")
data <- data[complete.cases(data), ]
data$region_code <- factor(data$region_code)
data$period <- factor(data$period)

shapley <- function(r2, k) {
  phi <- numeric(k)
  for (mask in 0:(2^k - 1)) {
    s <- sum(bitwAnd(mask, 2^(0:(k - 1))) > 0)
    for (j in 1:k) {
      bit <- 2^(j - 1)
      if (bitwAnd(mask, bit) == 0) {
        w <- factorial(s) * factorial(k - s - 1) / factorial(k)
        phi[j] <- phi[j] + w * (r2[mask + bit + 1] - r2[mask + 1])
      }
    }
  }
  phi
}

model <- function(groups) {
  k <- length(groups)
  r2 <- numeric(2^k)
  for (mask in 1:(2^k - 1)) {
    terms <- unlist(groups[bitwAnd(mask, 2^(0:(k - 1))) > 0])
    fit <- lm(as.formula(paste("y ~", paste(terms, collapse = " + "))), data = data)
    r2[mask + 1] <- summary(fit)$r.squared
  }
  list(groups = lapply(names(groups), function(g) list(name = g, terms = groups[[g]])),
       n = structure(nrow(data), scalar = TRUE), r2BySubset = r2, shapley = shapley(r2, k))
}

out <- list(
  generatedBy = "scripts/reference/make-reference.R",
  rVersion = R.version.string,
  fixture = "fixtures/reference-panel.csv",
  models = list(
    fixedEffects = model(list(unit = "region_code", a = c("x1", "x2"), period = "period", b = "x3")),
    numericOnly = model(list(a = "x1", b = c("x2", "x3")))
  )
)
dir.create("tests/reference", showWarnings = FALSE, recursive = TRUE)
con <- file("tests/reference/lm-reference.json", "w")
writeLines(jsonlite_free <- (function(x) {
  # Minimal JSON writer (no packages needed): numbers with 17 significant digits.
  enc <- function(v) {
    if (is.list(v)) {
      if (!is.null(names(v))) {
        paste0("{", paste(sprintf("\"%s\":%s", names(v), vapply(v, enc, "")), collapse = ","), "}")
      } else paste0("[", paste(vapply(v, enc, ""), collapse = ","), "]")
    } else if (is.character(v)) {
      if (length(v) == 1) sprintf("\"%s\"", v) else paste0("[", paste(sprintf("\"%s\"", v), collapse = ","), "]")
    } else if (length(v) == 1 && !is.null(attr(v, "scalar"))) {
      trimws(formatC(v, digits = 17, format = "g"))
    } else {
      paste0("[", paste(trimws(formatC(v, digits = 17, format = "g")), collapse = ","), "]")
    }
  }
  enc(x)
})(out), con)
close(con)
