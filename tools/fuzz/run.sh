#!/usr/bin/env bash
# AFL++ campaign over the readers of untrusted bytes (engine/Testing/FuzzTargets.cs), with SharpFuzz instrumentation.
#   tools/fuzz/run.sh [SECONDS_PER_HARNESS] [FINDINGS_DIR] [TARGET...]
# defaults: 120 s, tools/fuzz/findings, every target (safetensors, model, checkpoint-state, image).
# Installs afl++ (Debian package) and the SharpFuzz.CommandLine 2.3.0 dotnet tool when missing, publishes the harness,
# instruments the engine (and ImageSharp for the image target), seeds each target with valid files, runs afl-fuzz for
# the given seconds per target, then replays every crash and prints one summary line per target. Exit 1 if any crashed.
# Campaigns into different findings folders may run at once (start the second after the first has published).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-120}
out=${2:-tools/fuzz/findings}
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(safetensors model checkpoint-state image)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "installing afl++ ..."
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq afl++ >/dev/null
fi
tools=tools/fuzz/.tools
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "installing SharpFuzz.CommandLine 2.3.0 ..."
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# The harness is published beside the findings, so campaigns into different folders can run at the same time.
mkdir -p "$out"
bin="$out/.bin/publish"
rm -rf "$bin"
dotnet publish tools/fuzz/CoroNetGAN.Fuzz.csproj -c Release -o "$bin" -nologo -v quiet
# Instrumented code expects AFL's shared memory, so seeds and crash replays run from an uninstrumented copy.
plain="$out/.bin/plain"
rm -rf "$plain"
cp -r "$bin" "$plain"
"$tools/sharpfuzz" "$bin/CoroNetGAN.Engine.dll"
# The image target's parsing happens inside ImageSharp: instrument it too, so AFL sees its branches.
if printf '%s\n' "${targets[@]}" | grep -qx image; then "$tools/sharpfuzz" "$bin/SixLabors.ImageSharp.dll"; fi

mkdir -p "$out"
# Containers often pipe core dumps elsewhere and pin the CPU governor; neither matters for a .NET target.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
status=0
summary=()
for t in "${targets[@]}"; do
  seeds="$out/$t/seeds"
  rm -rf "$out/$t"
  dotnet "$plain/CoroNetGAN.Fuzz.dll" --seeds "$t" "$seeds" >/dev/null
  echo "== $t: $secs s"
  timeout $((secs + 60)) afl-fuzz -i "$seeds" -o "$out/$t/afl" -t 10000 -m none -V "$secs" -- dotnet "$bin/CoroNetGAN.Fuzz.dll" "$t" \
    > "$out/$t/afl.log" 2>&1 || true
  stats="$out/$t/afl/default/fuzzer_stats"
  execs=$(awk -F: '/^execs_done/ {gsub(/ /, "", $2); print $2}' "$stats" 2>/dev/null || echo 0)
  crashes=( "$out/$t/afl/default/crashes"/id:* )
  [ -e "${crashes[0]:-}" ] || crashes=()
  hangs=( "$out/$t/afl/default/hangs"/id:* )
  [ -e "${hangs[0]:-}" ] || hangs=()
  if [ ${#crashes[@]} -gt 0 ]; then
    status=1
    dotnet "$plain/CoroNetGAN.Fuzz.dll" --replay "$t" "${crashes[@]}" > "$out/$t/crashes.txt" 2>&1 || true
  fi
  if [ -z "$execs" ] || [ ! -f "$stats" ]; then
    status=1
    summary+=("$t: afl-fuzz did not run; see $out/$t/afl.log")
  else
    note=""
    [ ${#crashes[@]} -gt 0 ] && note="; replayed in $out/$t/crashes.txt"
    summary+=("$t: ${execs} inputs tried, ${#crashes[@]} crashes, ${#hangs[@]} hangs (over 10 s)$note")
  fi
done
printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
exit $status
