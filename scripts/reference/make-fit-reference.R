# Reference values for cpp-variance's regression reports and R²-decomposition methods,
# computed independently with base R's lm()/anova()/confint() and sandwich::vcovCL().
# Run from the repository root:  Rscript scripts/reference/make-fit-reference.R
# Reads fixtures/reference-panel.csv, fixtures/nao-2019-synthetic.csv and fixtures/england-la-panel.csv
# (it does not write them) and writes tests/reference/fit-reference.json. R is not needed to run the tests:
# the output is committed.
# Needs the R package 'sandwich' (Debian: apt-get install r-cran-sandwich) for clustered standard errors.
#
# Conventions (shared by every model below):
# - A "group" is a named set of terms. A fixed-effect group is one term factor(col) (R's default treatment
#   dummies); a numeric group is one or more numeric columns. Every model has an intercept.
# - Subsets of groups are bit masks: bit g (g = 0, 1, ...) set means the g-th group as listed is in the set,
#   and R-based arrays indexed by mask hold element `mask` at position mask + 1.
# - R²(set) is summary(lm(outcome ~ terms of the set))$r.squared, with R²(empty set) = 0.
# - Numbers are written with 17 significant digits; NA (e.g. aliased coefficients) is written as null.

suppressPackageStartupMessages(library(sandwich))

# Internal consistency checks: |a - b| < 1e-10 (relative to |b| when |b| > 1, e.g. sums of squares).
tol <- 1e-10
check <- function(a, b, what) {
  stopifnot(length(a) == length(b))
  if (!isTRUE(all(abs(a - b) < tol * pmax(1, abs(b))))) stop("consistency check failed: ", what, call. = FALSE)
}

# ---------------------------------------------------------------------------------------------------------
# Subset helpers
# ---------------------------------------------------------------------------------------------------------

# Members (1-based group indices) of the subset encoded by `mask` among k groups.
members <- function(mask, k) which(bitwAnd(mask, 2^(0:(k - 1))) > 0)
popcount <- function(mask, k) length(members(mask, k))

# Shapley weight |S|!(k-|S|-1)!/k! of a coalition of size s among k players.
shapleyWeight <- function(s, k) factorial(s) * factorial(k - s - 1) / factorial(k)

# ---------------------------------------------------------------------------------------------------------
# One model
# ---------------------------------------------------------------------------------------------------------

# spec: list(fixture, outcome, cluster, groups = list(name = list(kind = "fixed-effect"|"numeric", columns)))
referenceModel <- function(spec) {
  groupNames <- names(spec$groups)
  k <- length(groupNames)
  columnsUsed <- unique(c(spec$outcome, spec$cluster, unlist(lapply(spec$groups, `[[`, "columns"))))

  # Data: read as CSV (empty cells and "NA" are missing), keep complete rows over the used columns.
  d <- read.csv(spec$fixture, stringsAsFactors = FALSE)
  d <- d[complete.cases(d[, columnsUsed]), columnsUsed]
  rownames(d) <- NULL

  # Model terms of each group: factor(col) for a fixed-effect group, the columns themselves otherwise.
  groupTerms <- lapply(spec$groups, function(g) {
    if (g$kind == "fixed-effect") sprintf("factor(%s)", g$columns) else g$columns
  })
  isFE <- vapply(spec$groups, function(g) g$kind == "fixed-effect", TRUE)
  numericColumns <- unlist(lapply(spec$groups[!isFE], `[[`, "columns"), use.names = FALSE)

  # lm on a vector of term labels (NULL/empty = intercept-only; R² of that is 0 by definition).
  # The formula is created in this function's environment, where `d` lives, so that
  # vcovCL(cluster = ~col) can find the data again through fit$call.
  fitTerms <- function(terms, response = spec$outcome) {
    rhs <- if (length(terms) == 0) "1" else paste(terms, collapse = " + ")
    lm(as.formula(paste(response, "~", rhs), env = environment()), data = d)
  }
  r2Cache <- new.env()
  r2Of <- function(terms) {
    if (length(terms) == 0) return(0)
    key <- paste(sort(terms), collapse = "|")
    if (is.null(r2Cache[[key]])) r2Cache[[key]] <- summary(fitTerms(terms))$r.squared
    r2Cache[[key]]
  }
  termsOfMask <- function(mask) unlist(groupTerms[members(mask, k)], use.names = FALSE)

  # ---- subsets: R² of every subset of groups, indexed by mask ----------------------------------------
  full <- 2^k - 1
  r2 <- vapply(0:full, function(mask) r2Of(termsOfMask(mask)), 0)
  R2 <- function(mask) r2[mask + 1]

  # ---- fit: the full model ---------------------------------------------------------------------------
  allTerms <- termsOfMask(full)
  fit <- fitTerms(allTerms)
  sm <- summary(fit)
  check(sm$r.squared, R2(full), "full-model R² equals subsets[last]")
  rss <- sum(residuals(fit)^2)
  # within R²: relative to the model with only the factor() terms (and the intercept).
  withinR2 <- if (any(isFE)) {
    feFit <- fitTerms(unlist(groupTerms[isFE], use.names = FALSE))
    1 - rss / sum(residuals(feFit)^2)
  } else NA
  fstat <- sm$fstatistic # value, numdf, dendf

  beta <- coef(fit) # includes NA for aliased columns
  reportTerms <- c("(Intercept)", numericColumns)
  reportTerms <- names(beta)[names(beta) %in% reportTerms] # model (coefficient) order
  classical <- coef(sm) # rows for non-aliased coefficients only
  ci <- confint(fit, level = 0.95) # NA rows for aliased coefficients

  # VIF of a numeric column: 1/(1 - R²_j) with R²_j from lm(x_j ~ every other term of the full model).
  # The other terms are the full model's term labels minus x_j (factor dummies and intercept included).
  vifOf <- function(col) {
    r2j <- summary(fitTerms(setdiff(allTerms, col), response = col))$r.squared
    1 / (1 - r2j)
  }

  coefficients <- lapply(reportTerms, function(term) {
    aliased <- is.na(beta[[term]])
    list(
      term = term,
      estimate = if (aliased) NA else classical[term, "Estimate"],
      stdError = if (aliased) NA else classical[term, "Std. Error"],
      t = if (aliased) NA else classical[term, "t value"],
      p = if (aliased) NA else classical[term, "Pr(>|t|)"],
      ciLow = ci[term, 1],
      ciHigh = ci[term, 2],
      vif = if (aliased || term == "(Intercept)") NA else vifOf(term),
      aliased = aliased
    )
  })

  # Clustered (CR1) standard errors: vcovCL with type "HC1" scales the cluster meat by
  # G/(G-1) * (N-1)/(N-K); inference uses a t distribution with G-1 degrees of freedom.
  # On a rank-deficient fit vcovCL covers only the non-aliased coefficients.
  vc <- vcovCL(fit, cluster = as.formula(paste("~", spec$cluster)), type = "HC1")
  stopifnot(nrow(vc) == fit$rank, ncol(vc) == fit$rank, identical(rownames(vc), names(beta)[!is.na(beta)]))
  G <- length(unique(d[[spec$cluster]]))
  # Cross-check vcovCL against CR1 written out by hand on the non-aliased columns of the design:
  # V = c * B M B, B = (X'X)^-1, M = sum_g (X_g' e_g)(X_g' e_g)', c = G/(G-1) * (N-1)/(N-K).
  X <- model.matrix(fit)[, !is.na(beta), drop = FALSE]
  B <- solve(crossprod(X))
  scores <- rowsum(X * residuals(fit), d[[spec$cluster]])
  N <- nrow(X); K <- ncol(X)
  check(vc, G / (G - 1) * (N - 1) / (N - K) * B %*% crossprod(scores) %*% B, "vcovCL equals hand-written CR1")
  qG <- qt(0.975, G - 1)
  clusterCoefficients <- lapply(reportTerms, function(term) {
    aliased <- is.na(beta[[term]])
    est <- if (aliased) NA else beta[[term]]
    se <- if (aliased) NA else sqrt(vc[term, term])
    t <- est / se
    list(
      term = term, estimate = est, stdError = se, t = t,
      p = 2 * pt(abs(t), G - 1, lower.tail = FALSE),
      ciLow = est - qG * se, ciHigh = est + qG * se,
      aliased = aliased
    )
  })

  fitOut <- list(
    n = nobs(fit), k = fit$rank, dfResidual = fit$df.residual, sigma = sm$sigma,
    r2 = sm$r.squared, adjR2 = sm$adj.r.squared,
    f = unname(fstat["value"]), fNumDf = unname(fstat["numdf"]), fDenDf = unname(fstat["dendf"]),
    fP = unname(pf(fstat["value"], fstat["numdf"], fstat["dendf"], lower.tail = FALSE)),
    withinR2 = withinR2,
    coefficients = coefficients,
    cluster = list(variable = spec$cluster, type = "CR1 (sandwich::vcovCL, type = \"HC1\")",
                   clusters = G, df = G - 1, coefficients = clusterCoefficients)
  )

  # ---- shapley: group Shapley values -----------------------------------------------------------------
  shapley <- vapply(1:k, function(j) {
    bit <- 2^(j - 1)
    total <- 0
    for (mask in 0:full) if (bitwAnd(mask, bit) == 0) {
      total <- total + shapleyWeight(popcount(mask, k), k) * (R2(mask + bit) - R2(mask))
    }
    total
  }, 0)
  check(sum(shapley), R2(full), "Shapley values sum to R²(all)")

  # ---- owen: Owen values per column (groups are the coalitions) --------------------------------------
  # For column c of numeric group g (m groups, |g| columns):
  #   phi_c = sum_{T ⊆ groups\{g}} w(|T|, m) * sum_{S ⊆ g\{c}} w(|S|, |g|) * (R²(T ∪ S ∪ {c}) - R²(T ∪ S)).
  # A fixed-effect group is indivisible: its one entry is its group Shapley value.
  owen <- list()
  for (g in 1:k) {
    gname <- groupNames[g]
    cols <- spec$groups[[g]]$columns
    if (isFE[g]) {
      owen[[length(owen) + 1]] <- list(group = gname, column = cols, value = shapley[g])
      next
    }
    values <- numeric(length(cols))
    for (ci_ in seq_along(cols)) {
      others <- cols[-ci_]
      for (T in 0:full) if (bitwAnd(T, 2^(g - 1)) == 0) {
        wT <- shapleyWeight(popcount(T, k), k)
        for (S in 0:(2^length(others) - 1)) {
          Scols <- others[members(S, length(others))]
          wS <- shapleyWeight(length(Scols), length(cols))
          base <- c(termsOfMask(T), Scols)
          values[ci_] <- values[ci_] + wT * wS * (r2Of(c(base, cols[ci_])) - r2Of(base))
        }
      }
      owen[[length(owen) + 1]] <- list(group = gname, column = cols[ci_], value = values[ci_])
    }
    check(sum(values), shapley[g], paste("Owen values of group", gname, "sum to its Shapley value"))
  }

  # ---- sequential: Type I (anova) increments, in the given and in the reversed group order -----------
  # Group increment = sum of the group's terms' sequential sums of squares / total sum of squares.
  # A term that is completely aliased given the earlier terms has no anova row and contributes 0.
  sequentialIn <- function(order) {
    a <- anova(fitTerms(unlist(groupTerms[order], use.names = FALSE)))
    rows <- trimws(rownames(a))
    tss <- sum(a[["Sum Sq"]]) # model terms + residuals = sum((y - mean(y))^2)
    check(tss, sum((d[[spec$outcome]] - mean(d[[spec$outcome]]))^2), "anova total SS")
    inc <- vapply(order, function(g) sum(a[["Sum Sq"]][rows %in% groupTerms[[g]]]) / tss, 0)
    # Check against the subset-R² differences R²(groups up to g) - R²(groups before g).
    before <- 0
    for (i in seq_along(order)) {
      upto <- before + 2^(order[i] - 1)
      check(inc[i], R2(upto) - R2(before), paste("sequential increment of", groupNames[order[i]]))
      before <- upto
    }
    inc
  }
  sequential <- sequentialIn(1:k)
  sequentialReverse <- sequentialIn(k:1)

  # ---- unique: R²(all) - R²(all but group j) ---------------------------------------------------------
  uniq <- vapply(1:k, function(j) R2(full) - R2(full - 2^(j - 1)), 0)

  # ---- commonality (Mood 1969; Seibold & McPhee 1979) ------------------------------------------------
  # Commonalities C(S), S a non-empty set of groups, are defined by R²(A) = sum_{S : S ∩ A ≠ ∅} C(S)
  # for every set A. Then g(B) = R²(N) - R²(N \ B) = sum_{∅ ≠ S ⊆ B} C(S), and Möbius inversion gives
  #   C(S) = sum_{T ⊆ S} (-1)^(|S|-|T|) g(T) = sum_{T ⊆ S} (-1)^(|S|-|T|+1) R²(N \ T)   (S ≠ ∅),
  # (the R²(N) terms cancel because sum_{T ⊆ S} (-1)^(|S|-|T|) = 0 for S ≠ ∅).
  commonality <- rep(NA_real_, 2^k) # element 0 (empty set) is null
  for (S in 1:full) {
    total <- 0
    for (T in 0:S) if (bitwAnd(T, S) == T) { # T ⊆ S
      total <- total + (-1)^(popcount(S, k) - popcount(T, k) + 1) * R2(full - T)
    }
    commonality[S + 1] <- total
  }
  # (i) C({j}) is the unique part; (ii) all commonalities sum to R²(N);
  # (iii) the commonalities of the sets containing j sum to R²({j}).
  for (j in 1:k) {
    bit <- 2^(j - 1)
    check(commonality[bit + 1], uniq[j], "commonality (i)")
    containing <- Filter(function(S) bitwAnd(S, bit) > 0, 1:full)
    check(sum(commonality[containing + 1]), R2(bit), "commonality (iii)")
  }
  check(sum(commonality[-1]), R2(full), "commonality (ii)")

  # ---- dominance (Budescu 1993; Azen & Budescu 2003) -------------------------------------------------
  # conditional[j, s + 1] = mean over S ⊆ N \ {j}, |S| = s, of R²(S ∪ j) - R²(S); general = row means.
  conditional <- matrix(0, k, k)
  for (j in 1:k) {
    bit <- 2^(j - 1)
    for (s in 0:(k - 1)) {
      subsets <- Filter(function(S) bitwAnd(S, bit) == 0 && popcount(S, k) == s, 0:full)
      conditional[j, s + 1] <- mean(vapply(subsets, function(S) R2(S + bit) - R2(S), 0))
    }
  }
  general <- rowMeans(conditional)
  check(general, shapley, "general dominance weights equal Shapley values")
  # Pairwise dominance matrices, entry [j, i] = "group j dominates group i" (diagonal false).
  complete <- conditionalDominates <- generalDominates <- matrix(FALSE, k, k)
  for (j in 1:k) for (i in 1:k) if (i != j) {
    bj <- 2^(j - 1); bi <- 2^(i - 1)
    # complete: R²(S ∪ j) > R²(S ∪ i) for every S ⊆ N \ {i, j}
    subsets <- Filter(function(S) bitwAnd(S, bi + bj) == 0, 0:full)
    complete[j, i] <- all(vapply(subsets, function(S) R2(S + bj) > R2(S + bi), TRUE))
    conditionalDominates[j, i] <- all(conditional[j, ] > conditional[i, ])
    generalDominates[j, i] <- general[j] > general[i]
  }

  rowsOf <- function(m) lapply(seq_len(nrow(m)), function(r) as_array(m[r, ]))
  list(
    fixture = spec$fixture,
    outcome = spec$outcome,
    groups = lapply(groupNames, function(g) {
      list(name = g, kind = spec$groups[[g]]$kind, columns = as_array(spec$groups[[g]]$columns))
    }),
    cluster = spec$cluster,
    fit = fitOut,
    subsets = as_array(r2),
    shapley = as_array(shapley),
    owen = owen,
    sequential = as_array(sequential),
    sequentialReverse = as_array(sequentialReverse),
    sequentialReverseOrder = as_array(groupNames[k:1]),
    unique = as_array(uniq),
    commonality = as_array(commonality),
    dominance = list(
      conditional = rowsOf(conditional),
      general = as_array(general),
      complete = rowsOf(complete),
      conditionalDominates = rowsOf(conditionalDominates),
      generalDominates = rowsOf(generalDominates)
    )
  )
}

# ---------------------------------------------------------------------------------------------------------
# Minimal JSON writer (no packages needed)
# ---------------------------------------------------------------------------------------------------------
# Named list -> object; unnamed list -> array; atomic vector of length 1 -> bare value unless marked with
# as_array(); longer atomic vectors -> arrays. Numbers use 17 significant digits; NA -> null.
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
  } else if (is.logical(v)) {
    ifelse(is.na(v), "null", ifelse(v, "true", "false"))
  } else {
    stopifnot(is.numeric(v), all(is.finite(v) | is.na(v)))
    ifelse(is.na(v), "null", trimws(formatC(v, digits = 17, format = "g")))
  }
  if (length(v) == 1 && is.null(attr(v, "json_array"))) items
  else paste0("[", paste(items, collapse = ","), "]")
}
quote_ <- function(s) sprintf("\"%s\"", gsub("([\"\\\\])", "\\\\\\1", s))

# ---------------------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------------------
fe <- function(col) list(kind = "fixed-effect", columns = col)
num <- function(...) list(kind = "numeric", columns = c(...))

specs <- list(
  panelFE = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y", cluster = "region_code",
    groups = list(unit = fe("region_code"), a = num("x1", "x2"), period = fe("period"), b = num("x3"))
  ),
  panelNumeric = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y", cluster = "region_code",
    groups = list(a = num("x1"), b = num("x2", "x3"))
  ),
  nao = list(
    fixture = "fixtures/nao-2019-synthetic.csv", outcome = "cpp_rate", cluster = "la",
    groups = list(practice = fe("la"), deprivation = num("idaci"), policy = fe("year"),
                  resources = num("spend", "vacancy"))
  ),
  # The default model of `decompose` on its default dataset, the real England panel (DEFAULT_SPEC).
  england = list(
    fixture = "fixtures/england-la-panel.csv", outcome = "cpp_rate", cluster = "la",
    groups = list(practice = fe("la"), deprivation = num("child_poverty"), policy = fe("year"),
                  resources = num("spend", "vacancy"))
  )
)

out <- list(
  generatedBy = "scripts/reference/make-fit-reference.R",
  rVersion = R.version.string,
  sandwichVersion = as.character(packageVersion("sandwich")),
  models = lapply(specs, referenceModel)
)
dir.create("tests/reference", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out), "tests/reference/fit-reference.json")
