# Reference Owen values for models with a numeric group of three or more columns, computed with base R's lm()
# from the permutation definition of the Owen value (not from the weighted-subset formula the TypeScript uses).
# Run from the repository root:  Rscript scripts/reference/make-owen-reference.R
# Writes fixtures/owen-panel.csv (seeded simulation) and tests/reference/owen-reference.json; also reads
# fixtures/reference-panel.csv (made by make-reference.R). Base R only. R is not needed to run the tests: the
# outputs are committed.
#
# Definition (Owen 1977, "Values of games with a priori unions"): the units of the game are the numeric columns
# and the fixed effects (a fixed effect is one unit: all its dummies enter together). Consider every order of
# the units in which the members of each group are contiguous, i.e. the groups in any order among themselves
# and the columns in any order inside their group; all such orders are equally likely. The Owen value of a unit
# is the average over these orders of its marginal contribution R²(units before it and itself) - R²(units
# before it), with R²(set) = summary(lm(outcome ~ terms of the set))$r.squared and R²(empty set) = 0.
# With two columns in a group the within-group weights are 1/2, 1/2 whatever they should be, so only groups of
# three or more columns test them.
#
# Numbers are written with 17 significant digits.

# Internal consistency checks: |a - b| < 1e-10.
check <- function(a, b, what) {
  stopifnot(length(a) == length(b))
  if (!isTRUE(all(abs(a - b) < 1e-10))) stop("consistency check failed: ", what, call. = FALSE)
}

# All permutations of a vector, as the rows of a list.
perms <- function(v) {
  if (length(v) <= 1) return(list(v))
  out <- list()
  for (i in seq_along(v)) for (rest in perms(v[-i])) out[[length(out) + 1]] <- c(v[i], rest)
  out
}

# ---------------------------------------------------------------------------------------------------------
# The fixture: 8 units x 6 periods, a group of three and a group of four correlated columns
# ---------------------------------------------------------------------------------------------------------
set.seed(20240)
units <- sprintf("U%d", 1:8)
grid <- expand.grid(period = 2015:2020, unit = units, stringsAsFactors = FALSE)[, c("unit", "period")]
n <- nrow(grid)
effect <- rnorm(length(units))[match(grid$unit, units)]
common <- rnorm(n)
x <- sapply(1:7, function(j) round(rnorm(n) + (if (j <= 3) 0.7 else 0.4) * common + (if (j == 4) 0.5 * effect else 0), 4))
colnames(x) <- sprintf("x%d", 1:7)
beta <- c(0.9, -0.2, 0.5, 0.7, 0.1, -0.6, 0.3)
y <- round(2 + effect + drop(x %*% beta) + rnorm(n), 4)
simulated <- data.frame(unit = grid$unit, period = grid$period, x, y = y)
write.csv(simulated, "fixtures/owen-panel.csv", row.names = FALSE, quote = FALSE)

# ---------------------------------------------------------------------------------------------------------
# One model
# ---------------------------------------------------------------------------------------------------------
# spec: list(fixture, outcome, groups = list(name = list(kind = "fixed-effect"|"numeric", columns)))
owenModel <- function(spec) {
  used <- unique(c(spec$outcome, unlist(lapply(spec$groups, `[[`, "columns"))))
  d <- read.csv(spec$fixture, stringsAsFactors = FALSE)
  d <- d[complete.cases(d[, used]), used]

  # The units: one per numeric column (term = the column), one per fixed effect (term = factor(col)).
  unitGroup <- character(0); unitName <- character(0); unitTerm <- character(0)
  for (g in names(spec$groups)) {
    group <- spec$groups[[g]]
    if (group$kind == "fixed-effect") {
      unitGroup <- c(unitGroup, g); unitName <- c(unitName, group$columns); unitTerm <- c(unitTerm, sprintf("factor(%s)", group$columns))
    } else {
      unitGroup <- c(unitGroup, rep(g, length(group$columns))); unitName <- c(unitName, group$columns)
      unitTerm <- c(unitTerm, group$columns)
    }
  }
  cache <- new.env()
  r2Of <- function(set) { # set: unit indices
    if (length(set) == 0) return(0)
    key <- paste(sort(set), collapse = ",")
    if (is.null(cache[[key]])) {
      f <- as.formula(paste(spec$outcome, "~", paste(unitTerm[set], collapse = " + ")))
      cache[[key]] <- summary(lm(f, data = d))$r.squared
    }
    cache[[key]]
  }

  groupNames <- names(spec$groups)
  membersOf <- lapply(groupNames, function(g) which(unitGroup == g))
  within <- lapply(membersOf, perms) # the orders inside each group
  totals <- numeric(length(unitTerm))
  orders <- 0
  for (groupOrder in perms(seq_along(groupNames))) {
    # every combination of one within-group order per group, in the order groupOrder
    choice <- expand.grid(lapply(groupOrder, function(g) seq_along(within[[g]])))
    for (row in seq_len(nrow(choice))) {
      order <- unlist(lapply(seq_along(groupOrder), function(i) within[[groupOrder[i]]][[choice[row, i]]]))
      for (i in seq_along(order)) {
        totals[order[i]] <- totals[order[i]] + r2Of(order[1:i]) - r2Of(order[seq_len(i - 1)])
      }
      orders <- orders + 1
    }
  }
  owen <- totals / orders
  r2 <- r2Of(seq_along(unitTerm))
  check(sum(owen), r2, "Owen values sum to R²")
  # Each group's total is its Shapley value in the game between groups (the same R², groups as players).
  groupTotals <- vapply(groupNames, function(g) sum(owen[unitGroup == g]), 0)
  shapleyOfGroups <- numeric(length(groupNames))
  groupOrders <- perms(seq_along(groupNames))
  for (o in groupOrders) {
    before <- integer(0)
    for (g in o) {
      shapleyOfGroups[g] <- shapleyOfGroups[g] + r2Of(c(before, membersOf[[g]])) - r2Of(before)
      before <- c(before, membersOf[[g]])
    }
  }
  check(unname(groupTotals), shapleyOfGroups / length(groupOrders), "group totals are the groups' Shapley values")

  list(
    fixture = spec$fixture,
    outcome = spec$outcome,
    n = nrow(d),
    groups = lapply(groupNames, function(g) {
      list(name = g, kind = spec$groups[[g]]$kind, columns = as_array(spec$groups[[g]]$columns))
    }),
    orders = orders,
    r2 = r2,
    owen = lapply(seq_along(owen), function(u) list(group = unitGroup[u], column = unitName[u], value = owen[u])),
    groupTotals = as_array(unname(groupTotals))
  )
}

# ---------------------------------------------------------------------------------------------------------
# Minimal JSON writer (as in make-fit-reference.R)
# ---------------------------------------------------------------------------------------------------------
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
    vapply(v, quote_, "")
  } else {
    stopifnot(is.numeric(v), all(is.finite(v)))
    trimws(formatC(v, digits = 17, format = "g"))
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
  # A fixed effect, a group of three columns and a group of four: 3! x 3! x 4! = 864 orders.
  threeAndFour = list(
    fixture = "fixtures/owen-panel.csv", outcome = "y",
    groups = list(practice = fe("unit"), three = num("x1", "x2", "x3"), four = num("x4", "x5", "x6", "x7"))
  ),
  # The reference panel with its three numeric columns in one group between two fixed effects; x3 is constant
  # within region_code, so it is aliased in the full model: 3! x 3! = 36 orders.
  panelThree = list(
    fixture = "fixtures/reference-panel.csv", outcome = "y",
    groups = list(unit = fe("region_code"), a = num("x1", "x2", "x3"), period = fe("period"))
  )
)

out <- list(
  generatedBy = "scripts/reference/make-owen-reference.R",
  rVersion = R.version.string,
  models = lapply(specs, owenModel)
)
dir.create("tests/reference", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out), "tests/reference/owen-reference.json")
