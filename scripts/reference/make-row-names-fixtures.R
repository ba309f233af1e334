# Files as R's write.csv writes them, with row names (its default): the first header cell is "" and the first
# column holds the row names. Run from the repository root:  Rscript scripts/reference/make-row-names-fixtures.R
# Writes fixtures/row-names/r-write-csv.csv (the first 24 rows of the synthetic NAO panel: row names 1 to 24) and
# fixtures/row-names/r-subset-write-csv.csv (its rows from 2014: row names 3, 4, 5, 6, 9, …, as a subset keeps them).
data <- read.csv("fixtures/nao-2019-synthetic.csv", stringsAsFactors = FALSE)[1:24, ]
write.csv(data, "fixtures/row-names/r-write-csv.csv")
write.csv(data[data$year >= 2014, ], "fixtures/row-names/r-subset-write-csv.csv")
