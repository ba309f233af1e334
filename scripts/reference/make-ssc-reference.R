# Reference values for `cpp-variance fit --cluster COL --ssc lm|nested`: cluster-robust (CR1) standard errors
# with the two conventions for K in the small-sample factor G/(G-1) * (N-1)/(N-K).
#
#   lm      K = rank of the whole dummy-variable design (every fixed-effect level counted), as
#           sandwich::vcovCL(fit, cluster = ~col, type = "HC1") on lm() with factor() dummies.
#   nested  K = that rank less (levels - 1) for each fixed effect nested in the clusters (every level of it lies
#           within one cluster), as fixest's default ssc(fixef.K = "nested").
#
# fixest is not on Debian, so it is not used here. The nested factor is computed in R from the lm fit:
# vcovCL(type = "HC0", cadjust = TRUE) is the sandwich with G/(G-1) and no (N-1)/(N-K) factor; it is multiplied by
# (N-1)/(N-K_nested). The script checks that the same construction with K = rank(lm) gives vcovCL(type = "HC1"),
# and that K_nested equals fixest's rule as documented in ?fixest::ssc and coded in its R/VCOV.R:
#   K = number of variables + number of fixed-effect coefficients of the fixed effects NOT nested in the
#       clusters, counted as fixest counts them (sum of their levels - (their number - 1)); when every fixed
#       effect is nested, K = number of variables + 1 (the intercept).
#
# Run from the repository root:  Rscript scripts/reference/make-ssc-reference.R
# Reads fixtures/england-la-panel.csv; writes tests/reference/ssc-reference.json. Needs 'sandwich'
# (Debian: apt-get install r-cran-sandwich). Numbers are written with 17 significant digits.

suppressPackageStartupMessages(library(sandwich))

tol <- 1e-10
check <- function(a, b, what) {
  if (!isTRUE(all(abs(a - b) <= tol * pmax(1, abs(b))))) stop("consistency check failed: ", what, call. = FALSE)
}

panel <- read.csv("fixtures/england-la-panel.csv", stringsAsFactors = FALSE)
numeric <- c("child_poverty", "spend", "vacancy")

# Fixest's count: the number of variables plus the fixed-effect coefficients of the FEs not nested, with one
# reference level per FE after the first; every FE nested: the variables and the intercept.
fixestK <- function(variables, levels, nested) {
  kept <- levels[!nested]
  if (length(kept) == 0) return(variables + 1)
  variables + sum(kept) - (length(kept) - 1)
}

referenceCase <- function(name, fe, cluster) {
  used <- unique(c("cpp_rate", numeric, fe, cluster))
  d <- panel[complete.cases(panel[, used]), used]
  rownames(d) <- NULL
  rhs <- paste(c(numeric, sprintf("factor(%s)", fe)), collapse = " + ")
  fit <- lm(as.formula(paste("cpp_rate ~", rhs)), data = d)
  n <- nrow(d)
  kLm <- fit$rank
  clusters <- d[[cluster]]
  g <- length(unique(clusters))
  levels <- vapply(fe, function(col) length(unique(d[[col]])), 0)
  # A fixed effect is nested in the clusters when each of its levels meets one cluster only.
  nested <- vapply(fe, function(col) all(tapply(clusters, d[[col]], function(x) length(unique(x))) == 1), TRUE)
  kNested <- kLm - sum(levels[nested] - 1)
  check(kNested, fixestK(length(numeric), levels, nested), paste(name, ": K_nested is fixest's documented K"))

  hc1 <- vcovCL(fit, cluster = as.formula(paste("~", cluster)), type = "HC1")
  hc0 <- vcovCL(fit, cluster = as.formula(paste("~", cluster)), type = "HC0", cadjust = TRUE)
  # By hand: G/(G-1) (X'X)^-1 [sum_g X_g' e_g e_g' X_g] (X'X)^-1, on the non-aliased columns.
  X <- model.matrix(fit)[, !is.na(coef(fit)), drop = FALSE]
  e <- residuals(fit)
  scores <- rowsum(X * e, clusters)
  bread <- solve(crossprod(X))
  byHand <- g / (g - 1) * bread %*% crossprod(scores) %*% bread
  check(hc0[numeric, numeric], byHand[numeric, numeric], paste(name, ": vcovCL HC0 equals CR0 × G/(G-1) by hand"))
  check(hc1, hc0 * (n - 1) / (n - kLm), paste(name, ": vcovCL HC1 = HC0 × (N-1)/(N-K_lm)"))
  nestedV <- hc0 * (n - 1) / (n - kNested)

  list(
    name = name,
    fixedEffects = as.list(fe),
    cluster = cluster,
    n = n,
    clusters = g,
    kLm = kLm,
    kNested = kNested,
    nested = as.list(fe[nested]),
    # The ratio of the nested to the lm standard errors, sqrt((N - K_lm) / (N - K_nested)).
    ratio = sqrt((n - kLm) / (n - kNested)),
    coefficients = lapply(numeric, function(term) list(
      term = term,
      estimate = unname(coef(fit)[term]),
      stdErrorLm = sqrt(hc1[term, term]),
      stdErrorNested = sqrt(nestedV[term, term])
    ))
  )
}

cases <- list(
  # Authority effects nested in authority clusters; year effects are not.
  referenceCase("laYearByLa", c("la", "year"), "la"),
  # Year effects nested in year clusters; authority effects are not.
  referenceCase("laYearByYear", c("la", "year"), "year"),
  # Every fixed effect nested: K = the numeric terms + the intercept.
  referenceCase("laByLa", c("la"), "la"),
  # Authorities lie within regions: authority effects nested in region clusters, year effects not.
  referenceCase("laYearByRegion", c("la", "year"), "region_code.cpp"),
  # Nothing nested: the two rules agree.
  referenceCase("yearByLa", c("year"), "la")
)

json <- function(x) {
  if (is.list(x)) {
    if (!is.null(names(x)) && all(names(x) != "")) {
      return(paste0("{", paste(sprintf("\"%s\": %s", names(x), vapply(x, json, "")), collapse = ", "), "}"))
    }
    return(paste0("[", paste(vapply(x, json, ""), collapse = ", "), "]"))
  }
  if (is.character(x)) return(sprintf("\"%s\"", x))
  if (is.logical(x)) return(if (x) "true" else "false")
  if (is.na(x)) return("null")
  if (x == round(x) && abs(x) < 1e15) return(sprintf("%d", as.integer(x)))
  sprintf("%.17g", x)
}

writeLines(json(list(
  source = "scripts/reference/make-ssc-reference.R",
  r = R.version.string,
  sandwich = as.character(packageVersion("sandwich")),
  data = "fixtures/england-la-panel.csv",
  model = "cpp_rate ~ child_poverty + spend + vacancy + factor(fe)...",
  cases = cases
)), "tests/reference/ssc-reference.json")
