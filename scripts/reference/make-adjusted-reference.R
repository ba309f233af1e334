# Reference values for the decomposition of ADJUSTED R² (decompose --adjusted), computed independently in base R.
# Run from the repository root:  Rscript scripts/reference/make-adjusted-reference.R
# Reads fixtures/reference-panel.csv, fixtures/nao-2019-synthetic.csv, fixtures/england-la-panel.csv and
# fixtures/weighted-panel.csv (it does not write them) and writes tests/reference/adjusted-reference.json.
# R is not needed to run the tests: the output is committed.
#
# The game: v(S) = summary(lm(y ~ terms of S))$adj.r.squared for every non-empty subset S of groups, v(∅) = 0 —
# what domir::domir(..., fitstat = adj.r.squared) decomposes (domir is not packaged for Debian, so the methods
# are written out here by their definitions). summary.lm computes 1 - (1 - R²)(n - 1)/(n - rank), rank counting
# the intercept and leaving out aliased (NA) coefficients; the script checks that against the formula with the
# rank of lm's QR. Weighted models use lm(weights = w).
#
# Conventions as in make-fit-reference.R: groups are bit masks (bit g = g-th group as listed), arrays indexed by
# mask hold element `mask` at position mask + 1, numbers are written with 17 significant digits.

tol <- 1e-10
check <- function(a, b, what) {
  stopifnot(length(a) == length(b))
  if (!isTRUE(all(abs(a - b) < tol * pmax(1, abs(b))))) stop("consistency check failed: ", what, call. = FALSE)
}
members <- function(mask, k) which(bitwAnd(mask, 2^(0:(k - 1))) > 0)
popcount <- function(mask, k) length(members(mask, k))
shapleyWeight <- function(s, k) factorial(s) * factorial(k - s - 1) / factorial(k)

referenceModel <- function(spec) {
  groupNames <- names(spec$groups)
  k <- length(groupNames)
  columnsUsed <- unique(c(spec$outcome, spec$weights, unlist(lapply(spec$groups, `[[`, "columns"))))
  d <- read.csv(spec$fixture, stringsAsFactors = FALSE)
  d <- d[complete.cases(d[, columnsUsed]), columnsUsed]
  rownames(d) <- NULL
  n <- nrow(d)
  groupTerms <- lapply(spec$groups, function(g) {
    if (g$kind == "fixed-effect") sprintf("factor(%s)", g$columns) else g$columns
  })
  isFE <- vapply(spec$groups, function(g) g$kind == "fixed-effect", TRUE)

  # Adjusted R², R² and rank (without the intercept) of lm on a vector of terms; the empty set is 0, 0, 0.
  cache <- new.env()
  statsOf <- function(terms) {
    if (length(terms) == 0) return(c(adj = 0, r2 = 0, rank = 0))
    key <- paste(sort(terms), collapse = "|")
    if (is.null(cache[[key]])) {
      f <- as.formula(paste(spec$outcome, "~", paste(terms, collapse = " + ")))
      fit <- if (is.null(spec$weights)) lm(f, data = d) else lm(f, data = d, weights = d[[spec$weights]])
      sm <- summary(fit)
      rank <- fit$rank - 1
      check(sm$adj.r.squared, 1 - (1 - sm$r.squared) * (n - 1) / (n - rank - 1), paste("adj.r.squared of", key))
      cache[[key]] <- c(adj = sm$adj.r.squared, r2 = sm$r.squared, rank = rank)
    }
    cache[[key]]
  }
  adjOf <- function(terms) statsOf(terms)[["adj"]]
  termsOfMask <- function(mask) unlist(groupTerms[members(mask, k)], use.names = FALSE)

  full <- 2^k - 1
  stats <- lapply(0:full, function(mask) statsOf(termsOfMask(mask)))
  v <- vapply(stats, function(s) s[["adj"]], 0)
  V <- function(mask) v[mask + 1]

  shapley <- vapply(1:k, function(j) {
    bit <- 2^(j - 1)
    total <- 0
    for (mask in 0:full) if (bitwAnd(mask, bit) == 0) {
      total <- total + shapleyWeight(popcount(mask, k), k) * (V(mask + bit) - V(mask))
    }
    total
  }, 0)
  check(sum(shapley), V(full), "adjusted Shapley values sum to adjusted R²(all)")

  # Owen values of the columns of each numeric group (groups as a priori unions), on the adjusted game.
  owen <- list()
  for (g in 1:k) {
    cols <- spec$groups[[g]]$columns
    if (isFE[g]) {
      owen[[length(owen) + 1]] <- list(group = groupNames[g], column = cols, value = shapley[g])
      next
    }
    values <- numeric(length(cols))
    for (ci in seq_along(cols)) {
      others <- cols[-ci]
      for (T in 0:full) if (bitwAnd(T, 2^(g - 1)) == 0) {
        wT <- shapleyWeight(popcount(T, k), k)
        for (S in 0:(2^length(others) - 1)) {
          Scols <- others[members(S, length(others))]
          wS <- shapleyWeight(length(Scols), length(cols))
          base <- c(termsOfMask(T), Scols)
          values[ci] <- values[ci] + wT * wS * (adjOf(c(base, cols[ci])) - adjOf(base))
        }
      }
      owen[[length(owen) + 1]] <- list(group = groupNames[g], column = cols[ci], value = values[ci])
    }
    check(sum(values), shapley[g], paste("adjusted Owen values of group", groupNames[g], "sum to its Shapley value"))
  }

  sequentialIn <- function(order) {
    before <- 0
    vapply(order, function(g) {
      upto <- before + 2^(g - 1)
      increment <- V(upto) - V(before)
      before <<- upto
      increment
    }, 0)
  }
  sequential <- sequentialIn(1:k)
  sequentialReverse <- rev(sequentialIn(k:1)) # in group order
  check(sum(sequential), V(full), "adjusted sequential increments sum to adjusted R²(all)")

  uniq <- vapply(1:k, function(j) V(full) - V(full - 2^(j - 1)), 0)

  # Commonality by Möbius inversion of g(B) = v(N) - v(N \ B) (as in make-fit-reference.R).
  commonality <- rep(NA_real_, 2^k)
  for (S in 1:full) {
    total <- 0
    for (T in 0:S) if (bitwAnd(T, S) == T) total <- total + (-1)^(popcount(S, k) - popcount(T, k) + 1) * V(full - T)
    commonality[S + 1] <- total
  }
  check(sum(commonality[-1]), V(full), "adjusted commonality coefficients sum to adjusted R²(all)")

  conditional <- matrix(0, k, k)
  for (j in 1:k) {
    bit <- 2^(j - 1)
    for (s in 0:(k - 1)) {
      subsets <- Filter(function(S) bitwAnd(S, bit) == 0 && popcount(S, k) == s, 0:full)
      conditional[j, s + 1] <- mean(vapply(subsets, function(S) V(S + bit) - V(S), 0))
    }
  }
  general <- rowMeans(conditional)
  check(general, shapley, "adjusted general dominance weights equal adjusted Shapley values")

  list(
    fixture = spec$fixture,
    outcome = spec$outcome,
    weights = if (is.null(spec$weights)) NA_character_ else spec$weights,
    n = n,
    groups = lapply(groupNames, function(g) {
      list(name = g, kind = spec$groups[[g]]$kind, columns = as_array(spec$groups[[g]]$columns))
    }),
    r2 = as_array(vapply(stats, function(s) s[["r2"]], 0)),
    rank = as_array(vapply(stats, function(s) s[["rank"]], 0)),
    adjusted = as_array(v),
    shapley = as_array(shapley),
    owen = owen,
    sequential = as_array(sequential),
    sequentialReverse = as_array(sequentialReverse),
    unique = as_array(uniq),
    commonality = as_array(commonality),
    dominance = as_array(general)
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
    stopifnot(is.numeric(v), all(is.finite(v) | is.na(v)))
    ifelse(is.na(v), "null", trimws(formatC(v, digits = 17, format = "g")))
  }
  if (length(v) == 1 && is.null(attr(v, "json_array"))) items else paste0("[", paste(items, collapse = ","), "]")
}
quote_ <- function(s) sprintf("\"%s\"", gsub("([\"\\\\])", "\\\\\\1", s))

fe <- function(col) list(kind = "fixed-effect", columns = col)
num <- function(...) list(kind = "numeric", columns = c(...))

specs <- list(
  # x3 is constant within region_code: aliased (and not counted in the rank) whenever unit is in the subset.
  panelFE = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y",
    groups = list(unit = fe("region_code"), a = num("x1", "x2"), period = fe("period"), b = num("x3"))
  ),
  panelNumeric = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y",
    groups = list(a = num("x1"), b = num("x2", "x3"))
  ),
  nao = list(
    fixture = "fixtures/nao-2019-synthetic.csv", outcome = "cpp_rate",
    groups = list(practice = fe("la"), deprivation = num("idaci"), policy = fe("year"),
                  resources = num("spend", "vacancy"))
  ),
  england = list(
    fixture = "fixtures/england-la-panel.csv", outcome = "cpp_rate",
    groups = list(practice = fe("la"), deprivation = num("child_poverty"), policy = fe("year"),
                  resources = num("spend", "vacancy"))
  ),
  weighted = list(
    fixture = "fixtures/weighted-panel.csv", outcome = "y", weights = "pop",
    groups = list(unit = fe("unit"), a = num("x1", "x2"), period = fe("period"))
  )
)

out <- list(
  generatedBy = "scripts/reference/make-adjusted-reference.R",
  rVersion = R.version.string,
  models = lapply(specs, referenceModel)
)
dir.create("tests/reference", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out), "tests/reference/adjusted-reference.json")
