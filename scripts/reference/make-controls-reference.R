# Reference values for decompositions with controls held in every model (decompose --control), computed
# independently in base R by brute force: one lm() per subset of groups.
# Run from the repository root:  Rscript scripts/reference/make-controls-reference.R
# Reads fixtures/reference-panel.csv and fixtures/nao-2019-synthetic.csv (it does not write them) and writes
# tests/reference/controls-reference.json. R is not needed to run the tests: the output is committed.
#
# The game is relaimpo's `always =` (Grömping 2006, JSS 17(1)): with C the controls (always in the model) and
# R²(S) = summary(lm(y ~ terms of S))$r.squared, the other groups play
#   v(S) = R²(S ∪ C) − R²(C),   v(∅) = 0.
# relaimpo::calc.relimp(..., type = "lmg", always = C) reports the lmg (Shapley) values of this game and R²(C)
# (its `R2` minus the sum of the lmg shares); relaimpo is not packaged for Debian, so the methods are written out
# here by their definitions: Shapley by the subset-weight formula, sequential increments in the given order, unique
# contributions v(N) − v(N ∖ g), and general dominance as the mean over subset sizes of the mean increment.
#
# Conventions: the free groups are bit masks (bit g = g-th free group as listed), arrays indexed by mask hold
# element `mask` at position mask + 1, numbers are written with 17 significant digits.

members <- function(mask, k) which(bitwAnd(mask, 2^(0:(k - 1))) > 0)
shapleyWeight <- function(s, k) factorial(s) * factorial(k - s - 1) / factorial(k)

referenceModel <- function(spec) {
  groupNames <- names(spec$groups)
  columnsUsed <- unique(c(spec$outcome, unlist(lapply(spec$groups, `[[`, "columns"))))
  d <- read.csv(spec$fixture, stringsAsFactors = FALSE)
  d <- d[complete.cases(d[, columnsUsed]), columnsUsed]
  groupTerms <- lapply(spec$groups, function(g) {
    if (g$kind == "fixed-effect") sprintf("factor(%s)", g$columns) else g$columns
  })
  r2Of <- function(terms) {
    if (length(terms) == 0) return(0)
    summary(lm(as.formula(paste(spec$outcome, "~", paste(terms, collapse = " + "))), data = d))$r.squared
  }
  controlTerms <- unlist(groupTerms[spec$controls], use.names = FALSE)
  free <- setdiff(groupNames, spec$controls)
  k <- length(free)
  r2C <- r2Of(controlTerms)
  full <- 2^k - 1
  v <- vapply(0:full, function(mask) {
    if (mask == 0) return(0)
    r2Of(c(controlTerms, unlist(groupTerms[free[members(mask, k)]], use.names = FALSE))) - r2C
  }, 0)
  V <- function(mask) v[mask + 1]
  bit <- function(j) 2^(j - 1)
  shapley <- vapply(1:k, function(j) {
    total <- 0
    for (mask in 0:full) {
      if (bitwAnd(mask, bit(j)) == 0) {
        total <- total + shapleyWeight(length(members(mask, k)), k) * (V(mask + bit(j)) - V(mask))
      }
    }
    total
  }, 0)
  order <- match(spec$order, free)
  sequential <- numeric(k)
  mask <- 0
  for (j in order) {
    sequential[j] <- V(mask + bit(j)) - V(mask)
    mask <- mask + bit(j)
  }
  unique_ <- vapply(1:k, function(j) V(full) - V(full - bit(j)), 0)
  dominance <- vapply(1:k, function(j) {
    bySize <- vapply(0:(k - 1), function(s) {
      masks <- Filter(function(m) bitwAnd(m, bit(j)) == 0 && length(members(m, k)) == s, 0:full)
      mean(vapply(masks, function(m) V(m + bit(j)) - V(m), 0))
    }, 0)
    mean(bySize)
  }, 0)
  fullR2 <- r2Of(unlist(groupTerms, use.names = FALSE))
  stopifnot(abs(sum(shapley) + r2C - fullR2) < 1e-12, abs(sum(sequential) + r2C - fullR2) < 1e-12)
  list(
    fixture = spec$fixture, outcome = spec$outcome, n = nrow(d),
    groups = lapply(groupNames, function(name) c(list(name = name), spec$groups[[name]])),
    controls = as_array(spec$controls), free = as_array(free), order = as_array(spec$order),
    r2 = fullR2, controlsR2 = r2C, values = as_array(v),
    shapley = as_array(shapley), sequential = as_array(sequential), unique = as_array(unique_),
    dominance = as_array(dominance)
  )
}

as_array <- function(x) structure(x, json_array = TRUE)
toJSON <- function(v) {
  if (is.list(v)) {
    if (!is.null(names(v))) {
      keys <- vapply(names(v), quote_, "")
      return(paste0("{", paste(keys, vapply(v, toJSON, ""), sep = ":", collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(v, toJSON, ""), collapse = ","), "]"))
  }
  items <- if (is.character(v)) {
    ifelse(is.na(v), "null", vapply(v, quote_, ""))
  } else {
    stopifnot(is.numeric(v), all(is.finite(v)))
    trimws(formatC(v, digits = 17, format = "g"))
  }
  if (length(v) == 1 && is.null(attr(v, "json_array"))) items else paste0("[", paste(items, collapse = ","), "]")
}
quote_ <- function(s) sprintf("\"%s\"", gsub("([\"\\\\])", "\\\\\\1", s))

fe <- function(col) list(kind = "fixed-effect", columns = as_array(col))
num <- function(...) list(kind = "numeric", columns = as_array(c(...)))

specs <- list(
  # Year effects held fixed (a fixed-effect control).
  periodControl = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y",
    groups = list(a = num("x1"), b = num("x2"), period = fe("period"), c = num("x3")),
    controls = "period", order = c("c", "a", "b")
  ),
  # A numeric control and a fixed-effect control together; unit effects are a free group.
  twoControls = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y",
    groups = list(unit = fe("region_code"), a = num("x1", "x2"), period = fe("period"), b = num("x3")),
    controls = c("b", "period"), order = c("a", "unit")
  ),
  # The NAO layout with the policy (year) effects held fixed.
  nao = list(
    fixture = "fixtures/nao-2019-synthetic.csv", outcome = "cpp_rate",
    groups = list(practice = fe("la"), deprivation = num("idaci"), policy = fe("year"),
                  resources = num("spend", "vacancy")),
    controls = "policy", order = c("practice", "deprivation", "resources")
  )
)

out <- list(
  generatedBy = "scripts/reference/make-controls-reference.R",
  rVersion = R.version.string,
  models = lapply(specs, referenceModel)
)
dir.create("tests/reference", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out), "tests/reference/controls-reference.json")
