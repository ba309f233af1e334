#!/usr/bin/env bash
# Rebuild the real panel of English local authorities, fixtures/england-la-panel.csv, from the public extracts in
# fixtures/real/ (provenance and licences: fixtures/real/SOURCES.md; the extracts are cut from the public files by
# scripts/trim-real-extracts.sh) using only cpp-variance's own `derive`, `stack` and `join` commands (`join
# --split-combined`, `derive --where`). Needs the built CLI (`npm run build`).
#
#   bash scripts/build-england-panel.sh [OUTPUT]      (default OUTPUT: fixtures/england-la-panel.csv)
#
# Deterministic and idempotent: the same extracts give the same file byte for byte, wherever and however often it
# is run. Intermediates go to a temporary folder that is removed afterwards. The CLI's reports (DfE conventions
# applied, rows kept and dropped, unmatched authorities of every join) are printed on standard error.
#
# The panel: one row per authority (`la`, DfE's 3-digit old_la_code) and year (`year`, the 31 March census year),
# 2016-2022, with
#   cpp_rate       children on a child protection plan at 31 March `year` per 10,000 children aged 0-17, DfE's
#                  definition: CPP_At31 (DfE CIN census table d5) / ONS mid-(year-1) population aged 0-17 * 10,000
#   child_poverty  % of children in relative low income, financial year ending `year` (DWP, via IPSE
#                  rel_pov_rate100; 2022 provisional): the time-varying deprivation measure
#   spend          gross expenditure on children's and young people's services per child aged 0-16, £ at 2022
#                  prices, financial year ending `year` (S251/Revenue Outturn via IPSE: the sum of the seven
#                  categories: looked-after children, safeguarding, family support, other, young people's services,
#                  Sure Start and under-5s, youth justice)
#   vacancy        FTE children's social worker vacancy rate (%) at 30 September `year - 1` (DfE workforce
#                  census), six months before the 31 March CPP count it is paired with; 2015 and 2016 from the
#                  wide SFR 07/2016 and SFR 08/2017 files (2015 published as whole percentages), stacked above
#                  the EES indicators file for 2017 onwards
# and every other column of the extracts, carried along by `join` (names that occur in several files get the
# file's tag: la_name.ipse, la_name.cpp, time_period.workforce, ...).
#
# Year conventions (checked against the files, see fixtures/real/SOURCES.md):
#   - IPSE `time_period` t = financial year ending 31 March t (spend, poverty)          -> year = t
#   - DfE CPP `time_period` t = position at 31 March t                                 -> year = t
#   - ONS population `time_period` t = mid-year t; DfE rates at 31 March t use mid-(t-1) -> year = t + 1
#   - DfE workforce `time_period` t = snapshot at 30 September t (inside 2017-18 for t = 2017)
#                                                                                      -> year = t + 1
# The years are those where all four exist: the workforce series starts at 30 September 2015 (year 2016, from the
# SFR file) and the IPSE spend and poverty series end with 2021-22 (year 2022).
#
# Authorities (join key old_la_code; where it is not stable the authorities fall out of the inner join or get
# missing values, and decompose drops those rows):
#   - Kingston upon Thames (314) and Richmond upon Thames (318) share their children's services, and the EES
#     workforce file has one combined row "314 / 318" from 30 September 2017. `join --split-combined` splits it
#     into a row for each with the joint values; the only value used from it is the vacancy rate, a rate of the
#     shared workforce, which applies to each of the two -> both in 2016-2022 (the SFR files of 2015 and 2016 list
#     them separately; Richmond has no vacancy rate at 30 September 2016).
#   - Northamptonshire (928) split into North (940) and West (941) Northamptonshire in April 2021: IPSE keeps 928
#     in 2022, DfE has 940 and 941 (workforce: one combined row "940 / 941", which --split-combined splits into 940
#     and 941). IPSE has no 940 or 941, so neither is matched, and 928 is absent in 2022. Copying IPSE's 928 values
#     to the successors is not done: they would be county averages, not each successor's own figures, and 940 and
#     941 would be authorities observed in one year only, which the authority effects fit exactly.
#   - Bournemouth, Christchurch and Poole (839) and Dorset (838) replaced Bournemouth (837), Poole (836) and the
#     Dorset county (835) in April 2019. IPSE files its 2016-2019 BCP and Dorset rows under 837 and 835 (its
#     duplicated 837 rows of 2016 and 2017 are dropped when the extracts are cut), the DfE files have
#     835/836/837 until 31 March 2019 (workforce: until 30 September 2018), and the ONS file has no population for
#     835/836/837 ("x"). So Poole 836 is unmatched in 2016-2019 and 837 in 2016-2017, 835 (2016-2019) and 837
#     (2018-2019) are joined but have no cpp_rate (and their IPSE and DfE figures describe different areas), and
#     BCP 839 and Dorset 838 are in the panel for 2020-2022.
#   - City of London (201) and Isles of Scilly (420): fewer than 1,000 children aged 0-17, CPP counts suppressed
#     ("c": City every year, Scilly in 2017, 2018 and 2022; Scilly has 0 plans in the others) and vacancy rates of
#     0-100% of one or two posts; the source notes (../shared/data/real/SOURCES.md) say to exclude them from
#     modelling. `derive --where` leaves their rows out of the panel.
#   - Hackney (204): CPP count not available ("x") at 31 March 2021 and 2022 -> no cpp_rate.
#   - Luton (821) 2022: one IPSE spend category missing -> no spend.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/dist/bin/cli.js"
real="fixtures/real" # relative to $root, so that the reports do not depend on where the checkout is
output="${1:-$root/fixtures/england-la-panel.csv}"
case "$output" in /*) ;; *) output="$PWD/$output" ;; esac

if [[ ! -f "$cli" ]]; then
  echo "build-england-panel: $cli not found; build first: npm run build" >&2
  exit 2
fi
cpp_variance() { node "$cli" "$@"; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$root"

step() { printf '\n== %s\n' "$1" >&2; }

step "IPSE panel (spend, child poverty): la = old_la_code, year = time_period (financial year ending 31 March)"
cpp_variance derive "$real/ipse_la_panel_2016_2022.csv" \
  --derive 'la = old_la_code' \
  --derive 'year = time_period' \
  --output "$tmp/ipse.csv"

step "DfE CPPs at 31 March: year = time_period"
cpp_variance derive "$real/dfe_cpp_at31march_la_2016_to_2022.csv" \
  --derive 'year = time_period' \
  --output "$tmp/cpp.csv"

step "ONS population aged 0-17, mid-year: year = time_period + 1 (a 31 March rate uses the previous mid-year)"
cpp_variance derive "$real/ons_population_0_17_la_2015_to_2021.csv" \
  --derive 'year = time_period + 1' \
  --output "$tmp/pop.csv"

for sept in 2015 2016; do
  case $sept in 2015) sfr="dfe_csww_la_2015_SFR07_2016_UD_extract.csv" ;; 2016) sfr="dfe_csww_la_2016_SFR08_2017_UD_extract.csv" ;; esac
  step "DfE social work workforce at 30 September $sept (a wide file of one year): the EES indicators file's names"
  cpp_variance derive "$real/$sfr" \
    --na 'x,.,..,-' \
    --derive 'old_la_code = `LA_code (3 digit)`' \
    --derive 'la_name = LA_name' \
    --derive "time_period = $sept" \
    --derive "vacancy_rate_fte = A3_FTE_VacancyRate_$sept" \
    --output "$tmp/workforce$sept.csv"
done

step "DfE social work workforce at 30 September 2015-2021, stacked; year = time_period + 1 (the next 31 March)"
cpp_variance stack "$tmp/workforce2015.csv" "$tmp/workforce2016.csv" "$real/dfe_csww_indicators_la_2017_to_2021.csv" \
  --columns old_la_code,la_name,time_period,vacancy_rate_fte \
  --output "$tmp/workforce-stacked.csv"
cpp_variance derive "$tmp/workforce-stacked.csv" \
  --derive 'year = time_period + 1' \
  --output "$tmp/workforce.csv"

# Join inside the temporary folder so that the reports name the intermediates by their short names.
cd "$tmp"
step "join on the 3-digit DfE authority code and the year (inner: authority-years present in all four files), rows published jointly (\"314 / 318\") split"
cpp_variance join ipse.csv cpp.csv pop.csv workforce.csv \
  --on la,year \
  --on cpp:old_la_code,year \
  --on pop:old_la_code,year \
  --on workforce:old_la_code,year \
  --how inner \
  --split-combined \
  --label la_name \
  --output joined.csv

step "model columns: cpp_rate, child_poverty, spend, vacancy; without the City of London (201) and the Isles of Scilly (420)"
cpp_variance derive joined.csv \
  --where 'la != "201" & la != "420"' \
  --derive 'cpp_rate = CPP_At31 / population_estimate * 10000' \
  --derive 'child_poverty = rel_pov_rate100' \
  --derive 'spend = gspend_cla_pc + gspend_saf_pc + gspend_fss_pc + gspend_oth_pc + gspend_yps_pc + gspend_ss5_pc + gspend_yjs_pc' \
  --derive 'vacancy = vacancy_rate_fte' \
  --output panel.csv

mkdir -p "$(dirname "$output")"
mv panel.csv "$output"
echo "wrote $output" >&2
