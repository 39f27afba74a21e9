#!/usr/bin/env bash
# CI for the Linux bundle: build it, unpack the archive as IT would, and check the frozen
# application from another directory:
#   * `formix --version`; `formix selftest` (import, link, train, optimise, recommend)
#   * the bundle has no pyarrow: `formix table --out x.csv` works, `--out x.parquet` says why not
#   * the desktop starts to a painted window under offscreen Qt (FORMIX_SMOKE_EXIT=1)
#   * an offline plugin wheel installed with the frozen `formix plugins install` is listed
#     and reads its sample file
#   * a plant's shared project on a PostgreSQL server (a scratch local cluster, when the server
#     binaries are installed; setup-dev.sh installs them): init, import the demo sources, train,
#     optimise a drafted study; the same row counts as the SQLite demo
#   * install.sh installs into a scratch prefix; the installed command runs through its symlink
# Prints the figures (build time, size, start time, self-test time) and fails on any check.
#
#   bash installers/ci-bundle.sh             # after installers/setup-dev.sh
#   FORMIX_CI_SKIP_BUILD=1 bash installers/ci-bundle.sh   # check an existing dist/ archive
#
# Budgets (override by environment): FORMIX_BUNDLE_MAX_MB (350, the target; see
# installers/README.md), FORMIX_STARTUP_MAX_S (3.0), FORMIX_SELFTEST_MAX_S (120).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${FORMIX_BUILD_PYTHON:-$ROOT/.venv/bin/python}
MAX_MB=${FORMIX_BUNDLE_MAX_MB:-350}
MAX_STARTUP=${FORMIX_STARTUP_MAX_S:-3.0}
MAX_SELFTEST=${FORMIX_SELFTEST_MAX_S:-120}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/formix-ci-bundle.XXXXXX")
PG="" PG_STOP=()  # set once the PostgreSQL check has started its scratch server
cleanup() {
  if ((${#PG_STOP[@]})); then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK" ${PG:+"$PG"}
}
trap cleanup EXIT
# Nothing of the runner's own Formix settings or plugins may leak in (or be changed).
export FORMIX_CONFIG_DIR="$WORK/config" FORMIX_PLUGINS_DIR="$WORK/plugins"
export XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config-home"
unset QT_QPA_PLATFORM

failures=()
fail() { echo "ci-bundle: FAIL: $*" >&2; failures+=("$*"); }
seconds_since() { "$PYTHON" -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$1"; }

# --- build -------------------------------------------------------------------------------------
build_s="(skipped)"
if [ "${FORMIX_CI_SKIP_BUILD:-0}" != 1 ]; then
  started=$(date +%s.%N)
  bash installers/build.sh
  build_s=$(seconds_since "$started")
fi
VERSION=$("$PYTHON" -c 'import engine; print(engine.__version__)')
ARCHIVE="$ROOT/dist/formix-$VERSION-linux-$(uname -m).tar.gz"
test -f "$ARCHIVE" || { echo "ci-bundle: $ARCHIVE missing" >&2; exit 1; }

# --- unpack as IT would, run from elsewhere -------------------------------------------------------
tar -C "$WORK" -xzf "$ARCHIVE"
APP="$WORK/formix-$VERSION"
size_mb=$(du -sm "$APP" | cut -f1)
archive_mb=$(du -sm "$ARCHIVE" | cut -f1)
[ "$size_mb" -le "$MAX_MB" ] || fail "bundle is $size_mb MB unpacked (budget $MAX_MB MB)"
mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere"

version=$(timeout 60 "$APP/formix" --version 2>&1) || fail "formix --version: $version"
[ "$version" = "formix $VERSION" ] || fail "formix --version printed '$version'"

started=$(date +%s.%N)
if timeout 600 "$APP/formix" selftest --json > "$WORK/selftest.json" 2> "$WORK/selftest.err"; then
  :
else
  fail "formix selftest: $(tail -1 "$WORK/selftest.err")"
fi
selftest_s=$(seconds_since "$started")
"$PYTHON" - "$WORK/selftest.json" <<'EOF' || true
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit("selftest: no JSON report")
for step in report["steps"]:
    mark = {"ok": "ok", "failed": "FAIL", "skipped": "skip"}[step["status"]]
    print(f"  [{mark:>4}] {step['name']:<10} {step['seconds']:6.2f} s  {step['detail']}")
EOF
awk -v t="$selftest_s" -v m="$MAX_SELFTEST" 'BEGIN { exit !(t > m) }' \
  && fail "selftest took $selftest_s s (budget $MAX_SELFTEST s)"

# pyarrow is left out of the bundle: the modelling table exports as CSV, and Parquet is refused
# with a message saying why (not a traceback).
table_check="failed"
if timeout 300 "$APP/formix" demo --folder "$WORK/demo" --json > /dev/null 2> "$WORK/demo.err"; then
  if ! timeout 120 "$APP/formix" table "$WORK/demo/demo.formix" --out "$WORK/table.csv" \
       > /dev/null 2> "$WORK/table.err" || [ ! -s "$WORK/table.csv" ]; then
    fail "formix table --out table.csv: $(tail -1 "$WORK/table.err")"
  elif timeout 120 "$APP/formix" table "$WORK/demo/demo.formix" --out "$WORK/table.parquet" \
       > /dev/null 2> "$WORK/parquet.err" \
       || ! grep -q "Parquet export needs the optional pyarrow package; save as .csv" "$WORK/parquet.err" \
       || [ -e "$WORK/table.parquet" ]; then
    fail "formix table --out table.parquet did not refuse with the pyarrow message: $(tail -1 "$WORK/parquet.err")"
  else
    table_check="CSV written, Parquet refused (no pyarrow)"
  fi
else
  fail "formix demo: $(tail -1 "$WORK/demo.err")"
fi

# The desktop application: cold start to the first painted main window, offscreen.
smoke=$(QT_QPA_PLATFORM=offscreen FORMIX_SMOKE_EXIT=1 FORMIX_SMOKE_TIMEOUT=60 \
        timeout 120 "$APP/Formix" 2>"$WORK/smoke.err") || fail "Formix smoke start: $(tail -3 "$WORK/smoke.err")"
printf '%s\n' "$smoke" | sed 's/^/  /'
printf '%s\n' "$smoke" | grep -q "pages built" || fail "Formix smoke: the workflow pages were not built"
startup_s=$(printf '%s\n' "$smoke" | sed -n 's/^formix-smoke: window shown after \([0-9.]*\) s.*/\1/p')
if [ -z "$startup_s" ]; then
  fail "Formix did not report a shown window"; startup_s="?"
else
  awk -v t="$startup_s" -v m="$MAX_STARTUP" 'BEGIN { exit !(t > m) }' \
    && fail "window shown after $startup_s s (budget $MAX_STARTUP s)"
fi

# --- a plugin wheel added offline is discovered and used by the frozen application ------------------
"$PYTHON" -m pip wheel -q --no-deps --no-build-isolation "$ROOT/plugins/example_reader" \
  -w "$WORK/wheels" >/dev/null 2>&1 || fail "building the example plugin wheel"
wheel=$(ls "$WORK"/wheels/formix_example_reader-*.whl 2>/dev/null | head -1)
plugin_check="failed"
if [ -n "$wheel" ] && timeout 60 "$APP/formix" plugins install "$wheel" >/dev/null; then
  timeout 60 "$APP/formix" plugins list --json > "$WORK/plugins.json"
  if "$PYTHON" - "$WORK/plugins.json" <<'EOF'
import json, sys
plugins = {p["name"]: p for p in json.load(open(sys.argv[1]))}
example = plugins.get("example")
builtins = [n for n in ("tabular", "historian", "lims", "sql") if plugins.get(n, {}).get("status") == "enabled"]
ok = example is not None and example["status"] == "enabled" and example["source"] == "folder" and len(builtins) == 4
listed = ", ".join(f"{n} ({p['status']}, {p['source']})" for n, p in plugins.items())
print(f"  plugins: {listed}")
sys.exit(0 if ok else 1)
EOF
  then
    timeout 60 "$APP/formix" init "$WORK/p.formix" >/dev/null
    # a dry run checks the import as a whole: the batches need their recipes (the README's pair)
    if timeout 60 "$APP/formix" import "$WORK/p.formix" "$ROOT/plugins/example_reader/samples/recipes.csv" \
         "$ROOT/plugins/example_reader/samples/batches.bctl" --dry-run > "$WORK/import.txt" 2>&1; then
      plugin_check="listed and read batches.bctl"
    else
      fail "the installed plugin did not read its sample: $(tail -2 "$WORK/import.txt")"
    fi
  else
    fail "formix plugins list does not show the installed example plugin (or a built-in)"
  fi
else
  fail "formix plugins install $wheel"
fi

# --- a shared project on a PostgreSQL server, driven by the frozen CLI -----------------------------
# PostgreSQL refuses to run as root: under root the scratch cluster belongs to the postgres (else
# nobody) user. The demo sources and import profiles that `formix demo` wrote above are imported
# kind by kind, in the order the links need; the counts must equal the SQLite demo's.
postgres_check="skipped (no PostgreSQL server binaries)"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -f "$WORK/demo/demo.formix" ]; then
  postgres_check="failed"
  as_server=()
  PG=$(mktemp -d "${TMPDIR:-/tmp}/formix-ci-pg.XXXXXX")
  mkdir -p "$PG/sockets"
  head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$PG/password"
  if [ "$(id -u)" = 0 ]; then
    server_user=$(getent passwd postgres >/dev/null && echo postgres || echo nobody)
    as_server=(runuser -u "$server_user" --)
    chown -R "$server_user" "$PG"
  fi
  pg_port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PG_STOP=("${as_server[@]}" "$PG_BIN/pg_ctl" -D "$PG/data" -m immediate -w stop)
  if (cd "$PG" && "${as_server[@]}" "$PG_BIN/initdb" -D "$PG/data" -U formix \
        --pwfile="$PG/password" --auth-local=trust --auth-host=scram-sha-256 --no-locale \
        -E UTF8 --no-sync > "$PG/initdb.log" 2>&1 \
      && "${as_server[@]}" "$PG_BIN/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w -t 60 \
        -o "-k $PG/sockets -h 127.0.0.1 -p $pg_port -c fsync=off" start > /dev/null 2>&1 \
      && "${as_server[@]}" "$PG_BIN/createdb" -h "$PG/sockets" -p "$pg_port" -U formix plant); then
    PGPASSWORD=$(cat "$PG/password"); export PGPASSWORD
    url="postgresql+psycopg://formix@127.0.0.1:$pg_port/plant"
    step=""
    timeout 120 "$APP/formix" init "$url" > "$WORK/pg.log" 2>&1 || step="init"
    for pair in materials:materials recipes:recipes batches:synthetic_batches \
                process_series:synthetic_historian lab_results:lab_results; do
      [ -z "$step" ] || break
      kind=${pair%%:*} file=${pair#*:}
      timeout 300 "$APP/formix" import "$url" "$WORK/demo/sources/$file.csv" \
        --profile "$WORK/demo/profiles/$kind.toml" >> "$WORK/pg.log" 2>&1 \
        || step="import $file.csv"
    done
    if [ -z "$step" ]; then
      timeout 600 "$APP/formix" train "$url" --cv-folds 3 --quiet >> "$WORK/pg.log" 2>&1 \
        || step="train"
    fi
    if [ -z "$step" ]; then
      timeout 600 "$APP/formix" optimize --project "$url" --population 24 --generations 8 \
        --json > "$WORK/pg-optimize.json" 2>> "$WORK/pg.log" || step="optimize"
    fi
    if [ -z "$step" ] \
       && timeout 120 "$APP/formix" info "$url" --json > "$WORK/pg-info.json" 2>> "$WORK/pg.log" \
       && timeout 120 "$APP/formix" info "$WORK/demo/demo.formix" --json > "$WORK/sqlite-info.json"; then
      if ! postgres_check=$("$PYTHON" - "$WORK/pg-info.json" "$WORK/sqlite-info.json" \
                                         "$WORK/pg-optimize.json" <<'EOF'
import json, sys
server, sqlite, run = (json.load(open(path)) for path in sys.argv[1:])
imported = {k: v for k, v in server["counts"].items() if k in sqlite["counts"]
            and k not in ("model_versions", "optimisation_runs", "recommendations", "trials")}
wanted = {k: sqlite["counts"][k] for k in imported}
if imported != wanted or not run["recommendations"] or run["max_constraint_violation"] > 1e-9:
    sys.exit(f"server counts {imported} against SQLite {wanted}; "
             f"{len(run['recommendations'])} recommendations")
print(f"{sum(imported.values())} rows as in SQLite; trained; drafted study optimised, "
      f"{len(run['recommendations'])} recommendations")
EOF
      ); then
        fail "PostgreSQL project: $postgres_check"; postgres_check="failed"
      fi
    else
      fail "PostgreSQL project, formix ${step:-info} failed: $(tail -2 "$WORK/pg.log")"
    fi
  else
    fail "could not start a scratch PostgreSQL server: $(tail -2 "$PG/initdb.log" 2>/dev/null)"
  fi
fi

# --- install.sh into a scratch prefix; the installed command runs through its symlink -------------
if bash "$APP/install.sh" --prefix "$WORK/opt" --bin "$WORK/bin" --share "$WORK/share" >/dev/null \
   && [ "$("$WORK/bin/formix" --version)" = "formix $VERSION" ] \
   && [ -f "$WORK/share/applications/formix.desktop" ] \
   && grep -q "^Exec=\"$WORK/opt/formix/Formix\"" "$WORK/share/applications/formix.desktop"; then
  install_check="ok"
  bash "$WORK/opt/formix/install.sh" --uninstall --prefix "$WORK/opt" --bin "$WORK/bin" \
    --share "$WORK/share" >/dev/null || fail "install.sh --uninstall"
else
  install_check="failed"; fail "install.sh into $WORK/opt"
fi

cd "$ROOT"
echo "ci-bundle: figures"
echo "  build time           $build_s s"
echo "  bundle               $size_mb MB unpacked (budget $MAX_MB); archive $archive_mb MB"
echo "  GUI start to window  $startup_s s (offscreen Qt; budget $MAX_STARTUP s)"
echo "  formix selftest      $selftest_s s (budget $MAX_SELFTEST s)"
echo "  table export         $table_check"
echo "  plugin wheel         $plugin_check"
echo "  PostgreSQL project   $postgres_check"
echo "  install.sh           $install_check"
if ((${#failures[@]})); then
  echo "ci-bundle: ${#failures[@]} check(s) failed:" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "ci-bundle: all checks passed"
