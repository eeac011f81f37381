#!/usr/bin/env bash
# A one-minute tour on a fresh machine: no API keys, no provider on the network.
#
# Creates .venv in the checkout (reused when present), installs taskmon from the
# checkout, starts the built-in simulator (`taskmon sim`) in the background, and
# runs `taskmon watch` against a few of its demo tasks across several providers
# and endings. The simulator is stopped by PID when the script exits, however it
# exits. Usage: bash scripts/cli-tour.sh   (from any directory)
#
# Environment: TASKMON_VENV (default: <checkout>/.venv), TASKMON_DEMO_PORT (the
# simulator's API port, default 8800; the media port is the next one; when
# either is busy the system picks free ports), PYTHON (default: python3).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
venv=${TASKMON_VENV:-$repo/.venv}
port=${TASKMON_DEMO_PORT:-8800}
python=${PYTHON:-python3}

# The demo's keys and URLs come from the simulator only: forget any inherited ones.
while IFS= read -r name; do
    [[ $name == TASKMON_VENV || $name == TASKMON_DEMO_PORT ]] || unset "$name"
done < <(compgen -e | grep '^TASKMON_' || true)

if [[ -t 1 ]]; then
    bold=$'\e[1m' dim=$'\e[2m' plain=$'\e[0m'
else
    bold='' dim='' plain=''
fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '%s    %s%s\n' "$dim" "$*" "$plain"; }
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/taskmon-demo.XXXXXX")
sim_pid=""
stop_simulator() {
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill -TERM "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    sim_pid=""
}
cleanup() {
    local status=$?
    trap - EXIT
    stop_simulator
    # Background watchers (step 2) ignore Ctrl-C like every background job: by PID.
    local pid
    for pid in "${bg_pids[@]:-}"; do
        [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}
bg_pids=()
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -- 1. a virtual environment with taskmon in it --------------------------------------

if [[ -x $venv/bin/python ]]; then
    say "Reusing the virtual environment in $venv"
else
    say "Creating a virtual environment in $venv"
    command -v "$python" >/dev/null || die "$python not found: taskmon needs Python 3.11 or newer"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "taskmon needs Python 3.11 or newer; $python is $("$python" --version 2>&1)"
    "$python" -m venv "$venv" ||
        die "could not create $venv (on Debian/Ubuntu: sudo apt-get install python3-venv)"
fi
"$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$venv has Python $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])'); taskmon needs 3.11 or newer (remove $venv to start afresh)"

say "Installing taskmon from $repo (pip install .)"
# Non-editable, as users get it (pip always reinstalls a local directory).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check . >"$work/pip.log" 2>&1 || {
    cat "$work/pip.log" >&2
    die "pip install failed (see above)"
}
taskmon=$venv/bin/taskmon
note "$("$taskmon" --version)"

# -- 2. the simulator -------------------------------------------------------------------

log=$work/sim.log
start_simulator() { # start_simulator PORT: 0 once its banner is complete
    "$taskmon" sim --port "$1" >"$log" 2>&1 &
    sim_pid=$!
    local tries
    for ((tries = 0; tries < 200; tries++)); do
        grep -q '^# Ctrl-C' "$log" && return 0
        if ! kill -0 "$sim_pid" 2>/dev/null; then
            wait "$sim_pid" 2>/dev/null || true
            sim_pid=""
            return 1
        fi
        sleep 0.1
    done
    stop_simulator
    return 1
}

say "Starting the simulator: taskmon sim --port $port"
if ! start_simulator "$port"; then
    note "$(grep -m1 'cannot listen' "$log" || echo "it did not start on port $port")"
    note "trying again on ports the system picks: taskmon sim --port 0"
    start_simulator 0 || {
        cat "$log" >&2
        die "the simulator did not start"
    }
fi
note "running as PID $sim_pid; it printed:"
sed 's/^/    /' "$log"

# Its export lines point taskmon at it: five base URLs and the keys it accepts.
while IFS= read -r line; do
    if [[ $line =~ ^export\ (TASKMON_[A-Z0-9_]+)=([^[:space:]]+)$ ]]; then
        export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    fi
done <"$log"
[[ -n ${TASKMON_XENODIA_BASE_URL:-} ]] || die "no export lines from the simulator"

# Wait until it answers over HTTP, not just until it printed.
"$venv/bin/python" - "$TASKMON_XENODIA_BASE_URL/_sim/stats" <<'EOF' || die "the simulator does not answer"
import sys, time, urllib.request

deadline = time.monotonic() + 10
while True:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
            response.read()
        break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit(1)
        time.sleep(0.1)
EOF

# The demo tasks it printed, as `taskmon watch ... ID  # what the task will do`.
pick() { # pick PROVIDER REGEX: the watch arguments of the first demo task that matches
    local line
    line=$(grep -E -m1 "^taskmon watch --provider $1 .*  # .*$2" "$log" || true)
    [[ -n $line ]] || die "no $1 demo task matching '$2' in the simulator's list"
    line=${line%%  #*}
    printf '%s\n' "${line#taskmon watch }"
}
read -r -a xenodia_ok <<<"$(pick xenodia 'image, succeeds')"
read -r -a apixo_fails <<<"$(pick apixo 'fails')"
read -r -a apixo_ok <<<"$(pick apixo 'image, succeeds')"
read -r -a reapi_ok <<<"$(pick reapi 'image, succeeds')"
read -r -a reapi_lost <<<"$(pick reapi 'lost')"
read -r -a bytespike_cancelled <<<"$(pick bytespike 'cancelled')"
read -r -a vidgo_limited <<<"$(pick vidgo 'rate-limited')"

# -- 3. taskmon watch ---------------------------------------------------------------------

unexpected=0
meaning() {
    case $1 in
    0) echo "every task succeeded" ;;
    1) echo "a task failed, was cancelled or is lost" ;;
    2) echo "usage, configuration or key problem" ;;
    3) echo "--timeout reached" ;;
    *) echo "interrupted or crashed" ;;
    esac
}
report() { # report LABEL STATUS EXPECTED
    if [[ $2 == "$3" ]]; then
        note "$1: exit status $2 ($(meaning "$2"))"
    else
        note "$1: exit status $2 ($(meaning "$2")), expected $3"
        unexpected=1
    fi
}
# A safety net only: every task below ends within a minute.
limit=(--timeout 100)

say "1. One task, live: an image on Xenodia that succeeds after a few seconds"
printf '$ taskmon watch %s\n' "${limit[*]} ${xenodia_ok[*]}"
status=0
"$taskmon" watch "${limit[@]}" "${xenodia_ok[@]}" || status=$?
report xenodia "$status" 0

say "2. Four providers at once: one taskmon watch per provider, in parallel"
note "(a watcher whose output is a pipe prints a plain line per change, so their"
note " lines interleave here; on its own terminal each redraws one line per task)"
exec 3> >(cat) # one pipe for the four watchers: plain lines, copied to our output
copier=$!
declare -A watcher=()
watch_bg() { # watch_bg NAME ARGS...: taskmon watch in the background, stdout the pipe
    local name=$1
    shift
    printf '$ taskmon watch %s\n' "${limit[*]} $*"
    "$taskmon" watch "${limit[@]}" "$@" >&3 &
    watcher[$name]=$!
    bg_pids+=($!)
}
watch_bg apixo "${apixo_fails[@]}"
watch_bg reapi "${reapi_ok[@]}" "${reapi_lost[-1]}"
watch_bg bytespike "${bytespike_cancelled[@]}"
watch_bg vidgo "${vidgo_limited[@]}"
# Alongside them, a machine-readable run, shown in step 3.
results=$work/results
json_args=("${apixo_ok[@]:0:${#apixo_ok[@]}-1}" --json --save-dir "$results" "${apixo_ok[-1]}")
"$taskmon" watch "${limit[@]}" "${json_args[@]}" >"$work/json.out" &
watcher[json]=$!
bg_pids+=($!)
echo
declare -A ended=()
for name in "${!watcher[@]}"; do
    ended[$name]=0
    wait "${watcher[$name]}" || ended[$name]=$?
done
bg_pids=()
exec 3>&-
wait "$copier" || true
echo
report "apixo (fails)" "${ended[apixo]}" 1
report "reapi (one succeeds, one is another account's: lost)" "${ended[reapi]}" 1
report "bytespike (cancelled)" "${ended[bytespike]}" 1
report "vidgo (rate-limited at first, then succeeds)" "${ended[vidgo]}" 0
# What the simulator saw (its control API): taskmon waited as each 429 told it to.
read -r throttled asked < <("$venv/bin/python" - "$TASKMON_VIDGO_BASE_URL" "${vidgo_limited[-1]}" <<'EOF'
import json, sys, urllib.request

base, task_id = sys.argv[1:]
with urllib.request.urlopen(f"{base}/_sim/tasks/{task_id}/stats?provider=vidgo", timeout=5) as r:
    codes = [poll["http_status"] for poll in json.load(r)["polls"]]
print(codes.count(429), len(codes))
EOF
) || true
if [[ -n ${asked:-} ]]; then
    note "(the simulator answered $throttled of vidgo's $asked status requests with 429 and"
    note " Retry-After; taskmon waited as told, quietly: a line only when the task changes)"
fi

say "3. For scripts: --json, and --save-dir to keep the results (ran alongside step 2)"
printf '$ taskmon watch %s\n' "${limit[*]} ${json_args[*]}"
cat "$work/json.out"
report "apixo (two images)" "${ended[json]}" 0
note "saved in $results (a temporary directory, removed at exit):"
for file in "$results"/*; do
    if [[ -e $file ]]; then
        note "  $(basename "$file")  $(wc -c <"$file") bytes"
    fi
done

say "Done: stopping the simulator (PID $sim_pid)"
stop_simulator
note "Your turn: run $taskmon sim in one terminal, then paste"
note "its export lines and one of its taskmon watch commands into another."
if ((unexpected)); then
    die "some runs did not end as expected (see above)"
fi
