#!/bin/bash
# The roster import from the command line, for the IT office: the same checks and merge as the
# administrator's page (sql/010_roster.sql), in one transaction; a file with any bad row
# imports nothing and the report (line, column, value, reason) is printed.
#
#   scripts/import-roster.sh FILE.csv [utf-8|gb18030] [PSQL connection options...]
#
# Example on the demo:  scripts/import-roster.sh roster.csv gb18030 -h var/run
# A UTF-8 byte order mark is removed; without an encoding, valid UTF-8 is read as UTF-8 and
# anything else as GB18030.  Runs psql as the postgres user when root.
set -euo pipefail
FILE=${1:?usage: import-roster.sh FILE.csv [utf-8|gb18030] [psql options]}
ENC=${2:-auto}
shift $(( $# >= 2 ? 2 : 1 ))
[ -r "$FILE" ] || { echo "import-roster: cannot read $FILE" >&2; exit 2; }
case "$ENC" in
auto) if iconv -f UTF-8 -t UTF-8 "$FILE" >/dev/null 2>&1; then ENC=UTF8; else ENC=GB18030; fi ;;
utf-8|UTF-8|utf8) ENC=UTF8 ;;
gb18030|GB18030) ENC=GB18030 ;;
*) echo "import-roster: encoding is utf-8 or gb18030" >&2; exit 2 ;;
esac
ID="cli-$(date +%Y%m%d%H%M%S)-$$"
PSQL=(/usr/lib/postgresql/15/bin/psql -X -q -v ON_ERROR_STOP=1 -d lixiao "$@")
[ "$(id -u)" = 0 ] && PSQL=(runuser -u postgres -- "${PSQL[@]}")

# psql reads everything from stdin: the postgres user may not be able to open FILE
out=$({
    echo "BEGIN;"
    echo "SELECT set_config('lx.import_id', '$ID', true) \\g /dev/null"
    echo "COPY lx.roster_stage (student_no, name, gender, id_type, id_number, college, class, class_name, programme, year, building, room, party_member, league_member, must_return_instruments, national_loan_10534, national_loan_12649, source_loan, borrowed_switch, certificates_deferred, hukou_moved) FROM STDIN WITH (FORMAT csv, ENCODING '$ENC');"
    # without the BOM, with a final newline, then the end of the COPY data
    sed -e '1s/^\xEF\xBB\xBF//' -e '$a\' "$FILE"
    printf '\\.\n'
    cat <<SQL
SELECT count(*) > 0 AS problems FROM lx.roster_check('$ID') \\gset
\\if :problems
\\echo 'import-roster: the file has problems; nothing was imported:'
SELECT line AS "行", col AS "列", value AS "内容", reason AS "原因" FROM lx.roster_check('$ID');
ROLLBACK;
\\q
\\endif
SELECT inserted AS "新增", updated AS "更新", states AS "离校业务状态" FROM lx.roster_merge('$ID', 'cli:' || '${SUDO_USER:-$(id -un)}', NULL, true);
COMMIT;
SQL
} | "${PSQL[@]}" -f -)
printf '%s\n' "$out"
if grep -q 'nothing was imported' <<<"$out"; then exit 1; fi
