#!/usr/bin/env bash
# CI's packaging smoke (issue 14), run by scripts/test.sh after pytest:
#   1. build the wheel and check that it carries the icons (package data);
#   2. build the Linux bundle (packaging/build-linux.sh, in the test venv);
#   3. run the bundle's `--self-test` and the pip install's under Xvfb with a tray host
#      (trayer), a notification daemon (dunst) and an unlocked gnome-keyring, all on a
#      private D-Bus session bus: every check must be ok there;
#   4. run the bundle's `--demo` offscreen for 15 s, stop it with SIGTERM: it must
#      exit 0 and leave no demo data dir behind;
#   5. validate the desktop entry and the AppStream metainfo.
# Usage: bash packaging/ci-smoke.sh [VENV]   (VENV: default .venv, taskmon installed)
# TASKMON_SKIP_BUNDLE=1 skips it on a developer's machine; under CI=true it always runs.
# Writes test-output/self-test-bundle.txt and prints the time each step took.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
venv=${1:-.venv}

if [[ ${TASKMON_SKIP_BUNDLE:-} == 1 ]]; then
    if [[ ${CI:-} == true ]]; then
        echo "ci-smoke: TASKMON_SKIP_BUNDLE is ignored in CI: the bundle smoke always runs there"
    else
        echo "ci-smoke: skipped (TASKMON_SKIP_BUNDLE=1)"
        exit 0
    fi
fi

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'ci-smoke: FAILED: %s\n' "$*" >&2
    exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
smoke_start=$(now)

work=$(mktemp -d "${TMPDIR:-/tmp}/taskmon-smoke.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p test-output

# 1. The wheel, and the icons inside it.
step=$(now)
say "building the wheel"
"$venv/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps -w "$work/wheel" .
wheel=$(ls "$work"/wheel/taskmon-*.whl)
"$venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
needed = ["taskmon/resources/taskmon.svg", "taskmon/resources/states/failed.svg",
          "taskmon/resources/actions/add.svg", "taskmon/resources/providers/reapi.svg"]
missing = [n for n in needed if n not in names]
if missing:
    sys.exit(f"ci-smoke: the wheel lacks {missing}")
print(f"    {sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files, icons included")
PY
say "wheel: $(since "$step")"

# 2. The bundle.
step=$(now)
say "building the Linux bundle"
bash packaging/build-linux.sh "$venv"
bundle=$repo/dist/taskmon/taskmon
[[ -x $bundle ]] || die "no bundle at $bundle"
say "bundle: $(since "$step")"

# A private world: XDG dirs, temp dir and data dir inside $work; no TASKMON_* keys.
for name in data config cache run tmp; do mkdir -p -m 700 "$work/$name"; done
while IFS='=' read -r name _; do
    [[ $name == TASKMON_* ]] && unset "$name"
done < <(env)
export XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
export XDG_RUNTIME_DIR=$work/run TMPDIR=$work/tmp TASKMON_DATA_DIR=$work/data/taskmon
unset QT_QPA_PLATFORM WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS

# 3. The self-test under Xvfb, a tray, a notification daemon and a keyring.
step=$(now)
display=""
for n in $(seq 90 99); do
    [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] || { display=:$n; break; }
done
[[ -n $display ]] || die "no free X display between :90 and :99"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=$display
for _ in $(seq 50); do xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
xwininfo -root >/dev/null 2>&1 || die "Xvfb did not start on $display"

say "self-test of the bundle and of the pip install (Xvfb $display, trayer, dunst, gnome-keyring)"
dbus-run-session -- bash -s "$bundle" "$venv/bin/taskmon" "$work" <<'SESSION' || die "self-test (see above)"
set -euo pipefail
bundle=$1 pip_taskmon=$2 work=$3
# The bundle must find its own CA bundle (certifi inside it), not the system's.
unset SSL_CERT_FILE SSL_CERT_DIR
printf 'smoke' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
dunst >"$work/dunst.log" 2>&1 &
dunst_pid=$!
trayer --edge top >"$work/trayer.log" 2>&1 &
trayer_pid=$!
trap 'kill $dunst_pid $trayer_pid 2>/dev/null; wait $dunst_pid $trayer_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    xwininfo -root -tree 2>/dev/null | grep -q '"panel": ("panel" "trayer")' &&
        dbus-send --session --print-reply --dest=org.freedesktop.Notifications \
            /org/freedesktop/Notifications \
            org.freedesktop.Notifications.GetServerInformation >/dev/null 2>&1 && break
    sleep 0.1
done
status=0
"$bundle" --self-test | tee "$work/self-test.txt" || status=$?
[[ $status -eq 0 ]] || { echo "the bundle's self-test exited $status"; exit 1; }
"$bundle" --self-test --json >"$work/bundle.json"
"$pip_taskmon" --self-test --json >"$work/pip.json" || { echo "the pip install's self-test failed"; cat "$work/pip.json"; exit 1; }
SESSION
cp "$work/self-test.txt" test-output/self-test-bundle.txt
"$venv/bin/python" - "$work/bundle.json" "$work/pip.json" <<'PY' || die "a self-test check is not ok"
import json, sys
for path, kind in zip(sys.argv[1:], ("bundle", "pip install")):
    report = json.load(open(path, encoding="utf-8"))
    assert report["frozen"] is (kind == "bundle"), (kind, report["frozen"])
    # Here everything is provided, the optional tray, notifications and keyring too.
    bad = [c for c in report["checks"] if c["status"] != "ok"]
    for c in bad:
        print(f"ci-smoke: {kind}: {c['title']}: {c['status']}: {c['detail']}", file=sys.stderr)
    if not report["ok"] or bad:
        sys.exit(1)
    if kind == "bundle":
        tls = next(c for c in report["checks"] if c["name"] == "tls")
        assert "_internal/certifi/cacert.pem" in tls["detail"], tls["detail"]
    print(f"    {kind}: all {len(report['checks'])} checks ok")
PY
say "self-tests: $(since "$step")"

# 4. Fifteen seconds of the demo, offscreen, then SIGTERM: a clean exit, nothing left.
step=$(now)
say "the bundle's --demo for 15 s (offscreen), then SIGTERM"
env -u DISPLAY QT_QPA_PLATFORM=offscreen DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" "$bundle" --demo >"$work/demo.log" 2>&1 &
demo=$!
pids+=("$demo")
sleep 15
kill -0 "$demo" 2>/dev/null || { cat "$work/demo.log"; die "the demo ended before 15 s"; }
compgen -G "$TMPDIR/taskmon-demo-*/taskmon.db" >/dev/null || die "the demo made no data dir in $TMPDIR"
kill -TERM "$demo"
status=0
wait "$demo" || status=$?
[[ $status -eq 0 ]] || { cat "$work/demo.log"; die "the demo exited $status on SIGTERM"; }
if compgen -G "$TMPDIR/taskmon-demo-*" >/dev/null; then
    die "the demo left its data dir behind: $(echo "$TMPDIR"/taskmon-demo-*)"
fi
say "demo: exit 0, data dir removed ($(since "$step"))"

# 5. The Linux files.
desktop-file-validate packaging/linux/io.github.taskmon.Taskmon.desktop
appstreamcli validate --no-net packaging/linux/io.github.taskmon.Taskmon.metainfo.xml
say "packaging smoke passed in $(since "$smoke_start")"
