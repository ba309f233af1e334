# Reference values for the unit-invariance tests (tests/cli/units.test.ts), computed with base R's lm().
# Run from the repository root:  Rscript scripts/reference/make-units-reference.R
# Reads fixtures/nao-2019-synthetic.csv (it does not write it) and writes tests/reference/units-reference.json.
# R is not needed to run the tests: the output is committed.
#
# Each variant rewrites the fixture's TEXT, not its parsed numbers, so that R and cpp-variance read the same
# bytes: "suffix" appends an exponent to every cell of one column (617 -> 617e170), "cell" replaces one cell
# (data row `row`, 1-based, header excluded) by a value. The test rebuilds the same bytes and checks their MD5
# against the one recorded here before comparing anything.
#
# For every variant and model:
# - r2Direct: summary(lm(...))$r.squared on the rewritten file as it is. lm() fits a predictor in units of
#   1e170 or 1e-170 (its QR, LINPACK's dqrdc2, works with scaled column norms), but with an outcome in such
#   units its sums of squares overflow or underflow and it reports NaN, written as null.
# - r2, coefficients, stdErrors: lm() on the rewritten file with the rewritten column divided back by its
#   factor (`divisor`) inside R, the coefficients and standard errors then converted to the file's units
#   (x in units of c·x: b/c; outcome in units of c·y: c·b). lm()'s own standard errors of a column in units of
#   1e±170 are 0 or Inf (Σ r² times (X'X)⁻¹ under/overflows), so these are the usable reference.
# Numbers are written with 17 significant digits; non-finite values as null.

fixture <- "fixtures/nao-2019-synthetic.csv"
lines <- readLines(fixture)
header <- strsplit(lines[1], ",")[[1]]

rewrite <- function(variant) {
  out <- lines
  col <- match(variant$column, header)
  rows <- if (variant$rewrite == "suffix") seq_along(lines)[-1] else variant$row + 1
  for (i in rows) {
    cells <- strsplit(out[i], ",", fixed = TRUE)[[1]]
    cells[col] <- if (variant$rewrite == "suffix") paste0(cells[col], variant$suffix) else variant$value
    out[i] <- paste(cells, collapse = ",")
  }
  out
}

models <- list(
  fixedEffects = "cpp_rate ~ idaci + spend + vacancy + factor(la) + factor(year)",
  numeric = "cpp_rate ~ idaci + spend + vacancy"
)
terms <- c("idaci", "spend", "vacancy")

fitVariant <- function(data, formula, column, divisor) {
  direct <- summary(lm(as.formula(formula), data = data))$r.squared
  rescaled <- data
  rescaled[[column]] <- rescaled[[column]] / divisor
  s <- summary(lm(as.formula(formula), data = rescaled))
  est <- s$coefficients[terms, 1]
  se <- s$coefficients[terms, 2]
  if (column == "cpp_rate") {
    est <- est * divisor
    se <- se * divisor
  } else {
    est[column] <- est[column] / divisor
    se[column] <- se[column] / divisor
  }
  scalar <- function(v) structure(v, scalar = TRUE)
  list(
    r2Direct = scalar(direct),
    r2 = scalar(s$r.squared),
    coefficients = lapply(as.list(est), scalar),
    stdErrors = lapply(as.list(se), scalar)
  )
}

variants <- list(
  list(name = "original", column = "spend", rewrite = "suffix", suffix = "", divisor = 1),
  list(name = "spend-e170", column = "spend", rewrite = "suffix", suffix = "e170", divisor = 1e170),
  list(name = "spend-e-170", column = "spend", rewrite = "suffix", suffix = "e-170", divisor = 1e-170),
  list(name = "spend-cell-1e300", column = "spend", rewrite = "cell", row = 5, value = "1e300", divisor = 1e300),
  list(name = "outcome-e170", column = "cpp_rate", rewrite = "suffix", suffix = "e170", divisor = 1e170),
  list(name = "outcome-e-170", column = "cpp_rate", rewrite = "suffix", suffix = "e-170", divisor = 1e-170)
)

results <- lapply(variants, function(variant) {
  text <- rewrite(variant)
  path <- tempfile(fileext = ".csv")
  writeLines(text, path)
  data <- read.csv(path)
  md5 <- unname(tools::md5sum(path))
  unlink(path)
  c(
    variant[setdiff(names(variant), "divisor")],
    list(
      row = structure(if (is.null(variant$row)) NA else variant$row, scalar = TRUE),
      divisor = structure(variant$divisor, scalar = TRUE),
      md5 = md5,
      rows = structure(nrow(data), scalar = TRUE)
    ),
    lapply(models, function(formula) fitVariant(data, formula, variant$column, variant$divisor))
  )
})

# Self-checks: R² does not depend on the units (where lm() can compute it directly), and the rescaled fits
# agree with the original one after conversion.
original <- results[[1]]
for (r in results) {
  for (m in names(models)) {
    if (!is.na(r[[m]]$r2Direct) && abs(r[[m]]$r2Direct - original[[m]]$r2Direct) > 1e-10 && r$rewrite == "suffix")
      stop("R² changed with the units in ", r$name, " ", m)
    if (r$rewrite == "suffix" && abs(r[[m]]$r2 - original[[m]]$r2) > 1e-10) stop("rescaled R² differs in ", r$name)
  }
}

out <- list(
  generatedBy = "scripts/reference/make-units-reference.R",
  rVersion = R.version.string,
  fixture = fixture,
  models = models,
  variants = results
)
enc <- function(v) {
  if (is.list(v)) {
    if (!is.null(names(v))) {
      paste0("{", paste(sprintf("\"%s\":%s", names(v), vapply(v, enc, "")), collapse = ","), "}")
    } else paste0("[", paste(vapply(v, enc, ""), collapse = ","), "]")
  } else if (is.character(v)) {
    if (length(v) == 1) sprintf("\"%s\"", v) else paste0("[", paste(sprintf("\"%s\"", v), collapse = ","), "]")
  } else {
    num <- function(x) if (is.na(x) || !is.finite(x)) "null" else trimws(formatC(x, digits = 17, format = "g"))
    if (length(v) == 1 && !is.null(attr(v, "scalar"))) num(v) else paste0("[", paste(vapply(v, num, ""), collapse = ","), "]")
  }
}
dir.create("tests/reference", showWarnings = FALSE, recursive = TRUE)
writeLines(enc(out), "tests/reference/units-reference.json")
