# Reference values for `describe --by` (src/profile/byCategory.ts), computed independently in base R.
# Run from the repository root:  Rscript scripts/reference/make-describe-by-reference.R
# Writes fixtures/describe-by-panel.csv (seeded, synthetic) and tests/reference/describe-by-reference.json.
#
# Three data sets:
#   fixture    fixtures/describe-by-panel.csv: 60 synthetic authorities with an Ofsted-like rating (as the NAO's 2016
#              comparison of caseloads, agency and vacancy rates by rating), written here with edge cases: two rows
#              without a rating ("" and "NA"), missing cells, a column where one rating has one value and another
#              none (`sparse`), and a column constant within one rating (`flat`).
#   england    fixtures/england-la-panel.csv by region_name.cpp: cpp_rate, child_poverty, spend, vacancy.
#   workforce  DfE's children's social work workforce indicators 2017-2025 (shared/data/real, see its SOURCES.md),
#              "Local authority" rows, by region_name: caseload_fte, agency_rate_fte, vacancy_rate_fte,
#              turnover_rate_fte. Skipped (left out of the JSON) when the file is not there.
#
# Per category and column (tapply over the rows with a category; missing cells left out): n, the missing cells,
# mean, sd, median, quantile(type = 7) at 0.25 and 0.75, min, max, and the 95% interval of t.test(x)$conf.int.
# Per column, over the categories with values: aov(y ~ category) (F, df, p; eta2 = SS_between / SS_total) and
# oneway.test(y ~ category, var.equal = FALSE) (Welch F, df1, df2, p), or null where Welch's test is undefined (a
# category with fewer than two values, or with no variance), as the tool reports it.
set.seed(2016)

# ── the fixture ─────────────────────────────────────────────────────────────────────────────────────────────
ratings <- c("Outstanding", "Good", "Requires improvement", "Inadequate")
n <- 60
rating <- sample(ratings, n, replace = TRUE, prob = c(0.12, 0.38, 0.32, 0.18))
k <- match(rating, ratings)
caseload <- round(rnorm(n, mean = c(14.5, 16, 17.5, 19)[k], sd = c(1.2, 2, 2.8, 3.5)[k]), 1)
agency_rate <- round(pmax(0, rnorm(n, mean = c(8, 12, 17, 24)[k], sd = c(3, 5, 7, 10)[k])), 1)
vacancy_rate <- round(pmax(0, rnorm(n, mean = c(10, 14, 18, 23)[k], sd = c(4, 6, 7, 9)[k])), 1)
rating[8] <- "" # two rows without a rating
rating[40] <- "NA"
sparse <- round(rnorm(n, 10, 2), 2)
sparse[which(rating == "Outstanding")[-1]] <- NA # one Outstanding value
sparse[rating == "Inadequate"] <- NA # no Inadequate value
flat <- round(rnorm(n, 5, 1), 2)
flat[rating == "Outstanding"] <- 4.5 # no variance within Outstanding
stopifnot(sum(!is.na(sparse[rating == "Outstanding"])) == 1, sum(rating == "Outstanding") >= 3)
caseload[c(3, 17)] <- NA
agency_rate[c(5, 17, 29)] <- NA
vacancy_rate[41] <- NA
fixture <- data.frame(
  la = sprintf("LA%02d", 1:n), year = 2016, rating = rating, caseload = caseload, agency_rate = agency_rate,
  vacancy_rate = vacancy_rate, sparse = sparse, flat = flat
)
cells <- vapply(fixture, function(v) ifelse(is.na(v), "", as.character(v)), character(n))
cells[29, "agency_rate"] <- "NA" # the NA token as well as empty cells
lines <- apply(cells, 1, paste, collapse = ",")
writeLines(c(paste(names(fixture), collapse = ","), lines), "fixtures/describe-by-panel.csv")

# ── reading as the tool reads ───────────────────────────────────────────────────────────────────────────────
read_plain <- function(path) read.csv(path, colClasses = "character", check.names = FALSE, na.strings = character(0))
DFE_SYMBOLS <- c("c", "x", "z", "low", "u", "~", ":", "..", ".", "-")
as_number <- function(cells, column, symbols = character(0)) {
  text <- trimws(cells)
  missing <- text %in% c("", "NA", symbols)
  value <- suppressWarnings(as.numeric(text))
  bad <- !missing & is.na(value)
  if (any(bad)) stop(sprintf("column %s: not a number: %s", column, paste(unique(text[bad]), collapse = ", ")))
  value[missing] <- NA
  value
}
as_category <- function(cells) {
  text <- trimws(cells)
  text[text %in% c("", "NA")] <- NA
  text
}

# ── the statistics ──────────────────────────────────────────────────────────────────────────────────────────
summary_of <- function(x) {
  n <- length(x)
  if (n == 0) {
    return(list(n = n, mean = NA, sd = NA, median = NA, q1 = NA, q3 = NA, min = NA, max = NA, ciLow = NA, ciHigh = NA))
  }
  q <- quantile(x, c(0.25, 0.75), type = 7, names = FALSE)
  ci <- c(NA, NA)
  if (n >= 2) {
    ci <- mean(x) + c(-1, 1) * qt(0.975, n - 1) * sd(x) / sqrt(n)
    if (sd(x) > 0) {
      tt <- t.test(x, conf.level = 0.95)$conf.int
      stopifnot(isTRUE(all.equal(as.numeric(tt), ci, tolerance = 1e-13)))
      ci <- as.numeric(tt)
    }
  }
  list(
    n = n, mean = mean(x), sd = if (n >= 2) sd(x) else NA, median = median(x), q1 = q[1], q3 = q[2],
    min = min(x), max = max(x), ciLow = ci[1], ciHigh = ci[2]
  )
}

by_category <- function(y, category, column) {
  keep <- !is.na(category)
  y <- y[keep]
  category <- category[keep]
  levels <- sort(unique(category))
  groups <- lapply(levels, function(level) {
    x <- y[category == level]
    c(list(category = level, missing = sum(is.na(x))), summary_of(x[!is.na(x)]))
  })
  # tapply agrees with the loop above (n, mean, sd, median, quartiles, range) wherever both are defined.
  ok <- !is.na(y)
  g <- factor(category[ok], levels = levels)
  check <- function(values, field) {
    mine <- vapply(groups, function(s) if (is.na(s[[field]])) NA_real_ else s[[field]], 0)
    stopifnot(isTRUE(all.equal(unname(as.numeric(values)), mine)))
  }
  check(tapply(y[ok], g, mean), "mean")
  check(tapply(y[ok], g, median), "median")
  check(tapply(y[ok], g, function(x) if (length(x) >= 2) sd(x) else NA), "sd")
  check(tapply(y[ok], g, function(x) quantile(x, 0.25, type = 7, names = FALSE)), "q1")
  check(tapply(y[ok], g, function(x) quantile(x, 0.75, type = 7, names = FALSE)), "q3")
  counts <- tapply(y[ok], g, length)
  counts[is.na(counts)] <- 0
  stopifnot(all(counts == vapply(groups, function(s) s$n, 0)))

  yy <- y[ok]
  gg <- factor(category[ok]) # categories with values only
  anova <- NULL
  welch <- NULL
  if (nlevels(gg) >= 2) {
    fit <- aov(yy ~ gg)
    tab <- summary(fit)[[1]]
    ss_total <- sum((yy - mean(yy))^2)
    ss_between <- tab[1, "Sum Sq"]
    ss_within <- tab[2, "Sum Sq"]
    stopifnot(abs(ss_between + ss_within - ss_total) < 1e-9 * ss_total)
    anova <- list(
      groups = nlevels(gg), ssBetween = ss_between, ssWithin = ss_within, ssTotal = ss_total,
      eta2 = ss_between / ss_total, f = tab[1, "F value"], df1 = tab[1, "Df"], df2 = tab[2, "Df"], p = tab[1, "Pr(>F)"]
    )
    sizes <- tapply(yy, gg, length)
    variances <- tapply(yy, gg, var)
    if (all(sizes >= 2) && all(variances > 0)) {
      w <- oneway.test(yy ~ gg, var.equal = FALSE)
      welch <- list(f = unname(w$statistic), df1 = unname(w$parameter[1]), df2 = unname(w$parameter[2]), p = w$p.value)
    } else {
      # Undefined: R stops ("not enough observations") or returns NaN; the tool reports null.
      w <- tryCatch(oneway.test(yy ~ gg, var.equal = FALSE)$statistic, error = function(e) NaN)
      stopifnot(!is.finite(w))
    }
  }
  list(
    column = column, n = sum(ok), missing = sum(!ok), groups = groups, overall = summary_of(yy),
    anova = anova, welch = welch
  )
}

dataset <- function(name, file, data, by, columns, symbols = character(0)) {
  category <- as_category(data[[by]])
  list(
    name = name, file = file, by = by, rows = nrow(data), rowsMissingCategory = sum(is.na(category)),
    categories = sort(unique(category[!is.na(category)])),
    columns = lapply(columns, function(column) by_category(as_number(data[[column]], column, symbols), category, column))
  )
}

sets <- list(
  dataset(
    "fixture", "fixtures/describe-by-panel.csv", read_plain("fixtures/describe-by-panel.csv"), "rating",
    c("caseload", "agency_rate", "vacancy_rate", "sparse", "flat")
  ),
  dataset(
    "england", "fixtures/england-la-panel.csv", read_plain("fixtures/england-la-panel.csv"), "region_name.cpp",
    c("cpp_rate", "child_poverty", "spend", "vacancy")
  )
)
real <- file.path(Sys.getenv("CPPV_SHARED_REAL", "../shared/data/real"), "dfe_csww_indicators_la_2017_to_2025.csv")
if (file.exists(real)) {
  workforce <- read_plain(real)
  workforce <- workforce[workforce$geographic_level == "Local authority", ]
  sets[[3]] <- dataset(
    "workforce", basename(real), workforce, "region_name",
    c("caseload_fte", "agency_rate_fte", "vacancy_rate_fte", "turnover_rate_fte"), DFE_SYMBOLS
  )
} else {
  message("not found, left out: ", real)
}

# ── JSON (17 significant digits; NA and NULL as null) ───────────────────────────────────────────────────────
num <- function(v) if (is.null(v) || is.na(v)) "null" else trimws(formatC(v, digits = 17, format = "g"))
str <- function(s) sprintf("\"%s\"", gsub("\"", "\\\\\"", gsub("\\\\", "\\\\\\\\", s)))
enc <- function(x) {
  if (is.null(x)) {
    "null"
  } else if (is.list(x) && !is.null(names(x))) {
    paste0("{", paste(sprintf("%s:%s", str(names(x)), vapply(x, enc, "")), collapse = ","), "}")
  } else if (is.list(x)) {
    paste0("[", paste(vapply(x, enc, ""), collapse = ","), "]")
  } else if (is.character(x) && length(x) == 1 && is.null(attr(x, "list"))) {
    str(x)
  } else if (is.character(x)) {
    paste0("[", paste(str(x), collapse = ","), "]")
  } else {
    num(x)
  }
}
for (i in seq_along(sets)) sets[[i]]$categories <- as.list(sets[[i]]$categories)
out <- list(
  generatedBy = "scripts/reference/make-describe-by-reference.R",
  r = R.version.string,
  datasets = sets
)
writeLines(enc(out), "tests/reference/describe-by-reference.json")
