#!/usr/bin/env bash
# bench/gpu-check.sh: on a machine with an NVIDIA GPU, build, run the kernel tests on CUDA, and time the generators
# and a training step on the GPU against the CPU backend, ending with one short table. Sized to finish in under
# 8 minutes (build ~1-2 min, CUDA tests ~2 min, timings ~2 min).
#
#   bash bench/gpu-check.sh               # device cuda:0
#   GPU_CHECK_DEVICE=opencl:0 bash bench/gpu-check.sh
#   GPU_CHECK_SKIP_TESTS=1 bash bench/gpu-check.sh   # timings only
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
dev=${GPU_CHECK_DEVICE:-cuda:0}
t0=$(date +%s)

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
elif [[ $dev == cuda* ]]; then
  echo "gpu-check: no nvidia-smi on this machine; is there an NVIDIA GPU and driver?" >&2
fi

echo "== build (Release)"
if ! dotnet build CoroNetGAN.Engine.sln -c Release -v q -nologo >/tmp/gpu-check-build.log 2>&1; then
  tail -30 /tmp/gpu-check-build.log
  echo "gpu-check: the build failed" >&2
  exit 1
fi
first_file() { for f in "$@"; do if [ -f "$f" ]; then echo "$f"; return; fi; done; echo "$1"; }
tests_dll=$(first_file tests/bin/Release/net10.0/*/CoroNetGAN.Tests.dll tests/bin/Release/net10.0/CoroNetGAN.Tests.dll)
cli=$(first_file bindings/Cli/bin/Release/net10.0/*/coronetgan.dll bindings/Cli/bin/Release/net10.0/coronetgan.dll)

if ! dotnet "$cli" devices --device "$dev" >/dev/null 2>&1; then
  dotnet "$cli" devices
  echo "gpu-check: device $dev is not present" >&2
  exit 2
fi

tests="skipped"
if [ "${GPU_CHECK_SKIP_TESTS:-0}" != 1 ]; then
  echo "== kernel tests on $dev (IlgpuKernelTests on $dev, every op test row on $dev, device-loop tests)"
  tlog=$(mktemp)
  CORONETGAN_TEST_ILGPU_DEVICE=$dev CORONETGAN_TEST_DEVICES=cpu,$dev \
    timeout 360 dotnet test "$tests_dll" --filter "FullyQualifiedName~CoroNetGAN.Tests.IlgpuKernelTests|DisplayName~$dev|Devices=every" 2>&1 | tee "$tlog" | grep -E "^\s+Failed |Passed!|Failed!"
  tp=$(grep -Eo 'Passed: +[0-9]+' "$tlog" | awk '{s += $2} END {print s + 0}')
  tf=$(grep -Eo 'Failed: +[0-9]+' "$tlog" | awk '{s += $2} END {print s + 0}')
  tests="$tp passed, $tf failed"
  rm -f "$tlog"
fi

# median milliseconds of `coronetgan bench` (JSON medianMs), or "-" when it failed
median() {
  local v
  v=$(dotnet "$cli" bench "$@" --json 2>/dev/null | grep -Eo '"medianMs": *[0-9.]+' | grep -Eo '[0-9.]+$')
  if [ -n "$v" ]; then printf '%.1f' "$v"; else echo "-"; fi
}

echo "== timings (median of 5 after warm-up; ms)"
rows=()
for spec in "resnet9 64 256" "resnet9 64 128" "unet256 64 256" "resnet6 16 64"; do
  read -r arch ngf size <<<"$spec"
  g=$(median --arch "$arch" --ngf "$ngf" --size "$size" --device "$dev" --iters 5)
  c=$(median --arch "$arch" --ngf "$ngf" --size "$size" --device cpu --iters 3)
  rows+=("| $arch ngf$ngf ${size}px forward | $g | $c |")
done
g=$(median --arch resnet6 --ngf 16 --size 64 --device "$dev" --iters 5 --train)
c=$(median --arch resnet6 --ngf 16 --size 64 --device cpu --iters 3 --train)
rows+=("| resnet6 ngf16 64px training step | $g | $c |")

echo
echo "gpu-check on $dev: kernel tests $tests; $(( $(date +%s) - t0 )) s"
echo "| model | $dev ms | cpu ms |"
echo "|---|---:|---:|"
printf '%s\n' "${rows[@]}"
