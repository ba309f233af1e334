#!/usr/bin/env bash
# Trim the public source files in ../shared/data/real/ (see fixtures/real/SOURCES.md) to the columns and years
# that scripts/build-england-panel.sh uses, and write them to fixtures/real/.
#
#   bash scripts/trim-real-extracts.sh [SOURCE_DIR] [OUTPUT_DIR]
#   (defaults: ../shared/data/real, relative to the repository root, and fixtures/real)
#
# Run once by a developer when the extracts change; the tests never run it. Nothing is computed or recoded:
# every kept row is the original row with the unused columns removed, every kept field is the original field's
# exact text (quotes included), in the original column and row order, and the header names are unchanged.
# Rows are kept by their `time_period` only (all geographic levels of a DfE file are kept, so that the files are
# still recognised and normalised as DfE statistics files):
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
# year 2022). The SFR files are kept whole (rows) and cut to their identifiers and vacancy rate; the 2016 file's
# header has an unnamed 161st column, which is not kept.
#
# One exception to "rows are kept by time_period only": the IPSE panel has two rows each for old_la_code 837 in
# 2016 and 2017, one of them Poole's (its region_code is 836, and its looked-after-children counts differ), both
# filed under Bournemouth, Christchurch and Poole's code. Which area such a row describes cannot be told from the
# key, so all four rows are dropped (the ONS file has no 2015-2016 population for 835-837 either, so those
# authority-years would have no CPP rate in any case). The codebook is cut to the rows of the kept IPSE
# columns. Uses python3's standard library only (a quote-aware field splitter that keeps each field's raw text).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:-$root/../shared/data/real}"
out="${2:-$root/fixtures/real}"
mkdir -p "$out"

python3 - "$src" "$out" <<'PY'
import re
import sys
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])

# One CSV field, raw: a quoted field (with "" escapes) or an unquoted run without commas.
FIELD = re.compile(r'"(?:[^"]|"")*"|[^,]*')

def split(line):
    """The raw fields of one CSV line (no embedded line breaks in these files), each as written in the file."""
    fields, pos = [], 0
    while True:
        match = FIELD.match(line, pos)
        fields.append(match.group(0))
        pos = match.end()
        if pos == len(line):
            return fields
        if line[pos] != ',':
            raise SystemExit(f'unexpected character {line[pos]!r} at {pos} in: {line[:80]}')
        pos += 1

def unquote(field):
    return field[1:-1].replace('""', '"') if field.startswith('"') else field

def trim(name, new_name, columns, years=None, unique_key=None):
    text = (src / name).read_text(encoding='utf-8')
    lines = text.split('\n')
    if lines[-1] == '':
        lines.pop()
    if any('\r' in line for line in lines):
        raise SystemExit(f'{name}: CRLF line ends are not expected')
    header = [unquote(f) for f in split(lines[0])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise SystemExit(f'{name}: no column(s) {missing}')
    keep = [header.index(c) for c in header if c in columns]  # original column order
    period = header.index('time_period') if years is not None else None
    kept = [','.join(split(lines[0])[i] for i in keep)]
    for number, line in enumerate(lines[1:], start=2):
        fields = split(line)
        if len(fields) != len(header):
            raise SystemExit(f'{name} line {number}: {len(fields)} fields, header has {len(header)}')
        if period is None or unquote(fields[period]).strip() in years:
            kept.append(','.join(fields[i] for i in keep))
    dropped = 0
    if unique_key is not None:
        # Rows sharing a key with another row are ambiguous (which area do they describe?): drop all of them.
        index = [header.index(c) for c in unique_key]
        key_of = lambda line: tuple(unquote(split(line)[k]).strip() for k in index)
        counts = {}
        for line in lines[1:]:
            if period is None or unquote(split(line)[period]).strip() in years:
                counts[key_of(line)] = counts.get(key_of(line), 0) + 1
        body = [','.join(split(line)[i] for i in keep) for line in lines[1:]
                if (period is None or unquote(split(line)[period]).strip() in years) and counts[key_of(line)] == 1]
        dropped = len(kept) - 1 - len(body)
        kept = kept[:1] + body
        for key, count in counts.items():
            if count > 1:
                print(f'{new_name}: dropped the {count} rows with key {dict(zip(unique_key, key))}')
    (out / new_name).write_text('\n'.join(kept) + '\n', encoding='utf-8')
    print(f'{new_name}: {len(kept) - 1} rows x {len(keep)} columns (from {name}: {len(lines) - 1} rows x {len(header)} columns)')
    return [header[i] for i in keep]

def span(first, last):
    return {str(y) for y in range(first, last + 1)}

# EES identifier columns (mandatory columns of a DfE open data file at local-authority level).
EES_IDS = ['time_period', 'time_identifier', 'geographic_level', 'country_code', 'country_name',
           'region_code', 'region_name', 'old_la_code', 'new_la_code', 'la_name']

IPSE_SPEND = ['gspend_cla_pc', 'gspend_fss_pc', 'gspend_oth_pc', 'gspend_saf_pc', 'gspend_yps_pc',
              'gspend_ss5_pc', 'gspend_yjs_pc']
ipse_columns = trim('ipse_la_panel_2010_2022.csv', 'ipse_la_panel_2016_2022.csv',
                    ['new_la_code', 'time_period', 'old_la_code', 'la_name', 'rel_pov_rate100', *IPSE_SPEND],
                    span(2016, 2022), unique_key=['old_la_code', 'time_period'])
trim('dfe_cpp_at31march_la_2013_to_2025.csv', 'dfe_cpp_at31march_la_2016_to_2022.csv',
     [*EES_IDS, 'category', 'CPP_At31'], span(2016, 2022))
trim('ons_population_0_17_la_2012_to_2024.csv', 'ons_population_0_17_la_2015_to_2021.csv',
     [*EES_IDS, 'age_group', 'population_estimate'], span(2015, 2021))
trim('dfe_csww_indicators_la_2017_to_2025.csv', 'dfe_csww_indicators_la_2017_to_2021.csv',
     [*EES_IDS, 'vacancy_rate_fte'], span(2017, 2021))
# The 30 September 2015 and 2016 vacancy rates: one wide file per year, all rows kept (England, regions,
# authorities and the trailing rows of commas), only the identifiers and the vacancy rate.
SFR_IDS = ['LA_code (9 digit)', 'LA_name', 'LA_code (3 digit)']
trim('dfe_csww_la_2015_SFR07_2016_UD.csv', 'dfe_csww_la_2015_SFR07_2016_UD_extract.csv', [*SFR_IDS, 'A3_FTE_VacancyRate_2015'])
trim('dfe_csww_la_2016_SFR08_2017_UD.csv', 'dfe_csww_la_2016_SFR08_2017_UD_extract.csv', [*SFR_IDS, 'A3_FTE_VacancyRate_2016'])

# The codebook rows of the kept IPSE columns (the codebook has no time_period; filter by var_names).
book = (src / 'ipse_la_panel_2010_2022_codebook.csv').read_text(encoding='utf-8').split('\n')
if book[-1] == '':
    book.pop()
rows = [book[0]] + [line for line in book[1:] if unquote(split(line)[0]) in ipse_columns]
(out / 'ipse_la_panel_codebook_extract.csv').write_text('\n'.join(rows) + '\n', encoding='utf-8')
print(f'ipse_la_panel_codebook_extract.csv: {len(rows) - 1} rows (the kept IPSE columns)')
PY
