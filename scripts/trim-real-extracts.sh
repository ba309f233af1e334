#!/usr/bin/env bash
# Cut the public source files in ../shared/data/real/ (see fixtures/real/SOURCES.md) down to the rows, years and
# columns that scripts/build-england-panel.sh uses, and write them to fixtures/real/, with cpp-variance's own
# commands only: `--where` keeps the years, `dedupe --keep none` drops the rows with an ambiguous key,
# `stack FILE --columns` keeps the columns, and `--allow-unnamed` reads the file whose header has unnamed cells.
# Needs the built CLI (`npm run build`).
#
#   bash scripts/trim-real-extracts.sh [SOURCE_DIR] [OUTPUT_DIR]
#   (defaults: ../shared/data/real, resolved from the repository root, and fixtures/real; a relative SOURCE_DIR or
#   OUTPUT_DIR is taken from the folder the script is run in)
#
# Run by a developer when the extracts change; the tests run it into a temporary folder, where the sources are at
# hand, and check that it gives fixtures/real/ byte for byte. Nothing is computed or recoded: every kept cell is
# the cell the tool reads, written back by its one CSV writer (text quoted only where it holds a comma or a quote).
# The tool reads DfE statistics files (those with time_period and geographic_level) as every command does: it
# keeps their "Local authority" rows and blanks the suppression symbols (c, x, ...; counted on standard error),
# so the DfE extracts hold those rows, with empty cells where the symbols were. The CLI's reports (the DfE
# conventions, rows kept by --where, the duplicated keys dropped) are printed on standard error.
#
#   source file                                  kept time_period   why
#   ipse_la_panel_2010_2022.csv                  2016-2022          spend and child poverty, financial year ending 31 March t
#   dfe_cpp_at31march_la_2013_to_2025.csv        2016-2022          CPPs at 31 March t
#   ons_population_0_17_la_2012_to_2024.csv      2015-2021          mid-(t-1) population, the denominator of the 31 March t rate
#   dfe_csww_indicators_la_2017_to_2025.csv      2017-2021          vacancies at 30 September t-1, six months before 31 March t
#   dfe_csww_la_2015_SFR07_2016_UD.csv           (one year: 2015)   vacancies at 30 September 2015 (wide file, no time_period)
#   dfe_csww_la_2016_SFR08_2017_UD.csv           (one year: 2016)   vacancies at 30 September 2016 (wide file, no time_period)
#
# The years are the intersection: the workforce series (the two wide SFR files, then the EES indicators file)
# starts at 30 September 2015 (panel year 2016) and the IPSE spend and poverty series end with 2021-22 (panel
# year 2022). The SFR files keep every row and are cut to their identifiers and vacancy rate; the 2016 file's
# header has two unnamed cells (161 and 162, over empty columns), which --allow-unnamed reads as unnamed_161 and
# unnamed_162 (not kept).
#
# The IPSE panel has two rows each for old_la_code 837 in 2016 and 2017, one of them Poole's (its region_code is
# 836, and its looked-after-children counts differ), both filed under Bournemouth, Christchurch and Poole's code.
# Which area such a row describes cannot be told from the key, so `dedupe --keep none` drops all four (the ONS file
# has no 2015-2016 population for 835-837 either, so those authority-years would have no CPP rate in any case).
# The codebook is cut to the rows of the kept IPSE columns.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$PWD"
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$here" "$1" ;; esac; }
src="$(absolute "${1:-$root/../shared/data/real}")"
out="$(absolute "${2:-$root/fixtures/real}")"
cli="$root/dist/bin/cli.js"
if [[ ! -f "$cli" ]]; then
  echo "trim-real-extracts: $cli not found; build first: npm run build" >&2
  exit 2
fi
if [[ ! -d "$src" ]]; then
  echo "trim-real-extracts: no source folder $src (the copies described in fixtures/real/SOURCES.md)" >&2
  exit 2
fi
cpp_variance() { node "$cli" "$@"; }
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Run from the source folder, so that the reports name the files by their names alone.
cd "$src"

step() { printf '\n== %s\n' "$1" >&2; }

EES_IDS='time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,new_la_code,la_name'
IPSE_COLUMNS='new_la_code,time_period,old_la_code,la_name,rel_pov_rate100,gspend_cla_pc,gspend_fss_pc,gspend_oth_pc,gspend_saf_pc,gspend_yps_pc,gspend_ss5_pc,gspend_yjs_pc'
SFR_IDS='LA_code (9 digit),LA_name,LA_code (3 digit)'

step "IPSE panel: 2016-2022, without the rows whose old_la_code and time_period occur twice (837 in 2016 and 2017)"
cpp_variance dedupe ipse_la_panel_2010_2022.csv \
  --where 'time_period >= 2016 & time_period <= 2022' \
  --on old_la_code,time_period --keep none \
  --output "$tmp/ipse.csv"
cpp_variance stack "$tmp/ipse.csv" --columns "$IPSE_COLUMNS" --output "$out/ipse_la_panel_2016_2022.csv"

step "IPSE codebook: the rows of the kept columns"
codebook_rows="$(printf '"%s", ' ${IPSE_COLUMNS//,/ })"
cpp_variance stack ipse_la_panel_2010_2022_codebook.csv \
  --columns var_names,var_labels \
  --where "var_names in (${codebook_rows%, })" \
  --output "$out/ipse_la_panel_codebook_extract.csv"

step "DfE CPPs at 31 March 2016-2022"
cpp_variance stack dfe_cpp_at31march_la_2013_to_2025.csv \
  --columns "$EES_IDS,category,CPP_At31" \
  --where 'time_period >= 2016 & time_period <= 2022' \
  --output "$out/dfe_cpp_at31march_la_2016_to_2022.csv"

step "ONS population aged 0-17, mid-2015 to mid-2021"
cpp_variance stack ons_population_0_17_la_2012_to_2024.csv \
  --columns "$EES_IDS,age_group,population_estimate" \
  --where 'time_period >= 2015 & time_period <= 2021' \
  --output "$out/ons_population_0_17_la_2015_to_2021.csv"

step "DfE social work workforce indicators, 30 September 2017-2021"
cpp_variance stack dfe_csww_indicators_la_2017_to_2025.csv \
  --columns "$EES_IDS,vacancy_rate_fte" \
  --where 'time_period >= 2017 & time_period <= 2021' \
  --output "$out/dfe_csww_indicators_la_2017_to_2021.csv"

step "DfE social work workforce at 30 September 2015 (SFR 07/2016): identifiers and vacancy rate, every row"
cpp_variance stack dfe_csww_la_2015_SFR07_2016_UD.csv \
  --columns "$SFR_IDS,A3_FTE_VacancyRate_2015" \
  --output "$out/dfe_csww_la_2015_SFR07_2016_UD_extract.csv"

step "DfE social work workforce at 30 September 2016 (SFR 08/2017; two unnamed header cells): the same"
cpp_variance stack dfe_csww_la_2016_SFR08_2017_UD.csv --allow-unnamed \
  --columns "$SFR_IDS,A3_FTE_VacancyRate_2016" \
  --output "$out/dfe_csww_la_2016_SFR08_2017_UD_extract.csv"
