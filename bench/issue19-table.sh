#!/usr/bin/env bash
# Issue 19's same-run table in one command (bench/README.md, "Issue 19: the table command"): every workload against
# ONNX Runtime in the same process where ONNX Runtime can run it, in this order:
#   1. forward passes, engine against ONNX Runtime: ResNet-9 / ResNet-6 / U-Net at 64, 128 and 256 px (`peer`)
#   2. PatchGAN forward at 64 / 128 / 256 px, A with unfrozen weights (since session 7 their GEMM packs are kept while unchanged, as between a training step's discriminator calls) and B with weights frozen for inference (`forward-ab ... frozen`)
#   3. training steps of each model alone (`step-times`) and the real trainer's CycleGAN and pix2pix steps at 64 px (`train-steps`)
#   4. compact models at MAC ratios 0.25 / 0.1 / 0.05 with odd widths, speed-up against the MAC cut (`compact`)
#   5. batch throughput at batch 1 / 4 / 16 against ONNX Runtime, weights packed at load (`throughput`)
#   6. host syncs and pool hits / misses per training step on ilgpu-cpu and, through the PoCL chroot (root only), opencl
# About 8 minutes on the idle 2-core machine. ITERS (default 7) scales the repetitions; SKIP_BUILD=1 uses the last build.
set -uo pipefail
cd "$(dirname "$0")/.."
ITERS=${ITERS:-7}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  dotnet build CoroNetGAN.Engine.sln -c Release 2>&1 | grep -E " error |Elapsed" || exit 1
fi
BENCH="dotnet bench/bin/Release/net10.0/linux-x64/CoroNetGAN.Bench.dll"
section() { echo; echo "## $*  ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"; }

section "1. forward, engine against ONNX Runtime (medians of $ITERS, calls alternating)"
$BENCH peer "$ITERS" resnet9-64 resnet6-64 unet64-64 resnet9-128 resnet6-128 unet128-128 resnet9-256 unet256-256

section "2. PatchGAN ndf 64 forward: A = weights as in training, B = frozen (packed once); no ONNX export for discriminators"
for s in 64 128 256; do $BENCH forward-ab "patchgan-$s" frozen $((ITERS * 2)); done

section "3. training steps (batch 1, L1 to a random target, Adam); the trainer's steps at 64 px"
$BENCH step-times "$ITERS" resnet9-64 resnet6-64 unet64-64 patchgan-64 resnet9-128 resnet6-128 unet128-128 patchgan-128 patchgan-256
$BENCH step-times 3 resnet9-256 unet256-256
$BENCH train-steps 60 plain cyclegan | head -2
$BENCH train-steps 40 plain pix2pix | head -2

section "4. compact models at their MAC cut (256 px, odd widths)"
$BENCH compact "$ITERS"

section "5. batch throughput, images/s (Generator.Translate with weights packed at load; plain forward; ONNX Runtime)"
$BENCH throughput "$ITERS" resnet9-64 resnet9-128 unet128-128

section "6. host syncs and pool counts per training step on ILGPU devices (64 px, the trainer)"
$BENCH train-steps 6 plain pix2pix device ilgpu-cpu | sed -n 2p
$BENCH train-steps 4 plain cyclegan device ilgpu-cpu | sed -n 2p
if [ "$(id -u)" -eq 0 ] && [ -x .ci/pocl-chroot.sh ]; then
  .ci/pocl-chroot.sh run $BENCH train-steps 10 plain pix2pix device opencl 2>/dev/null | grep '^counters'
  .ci/pocl-chroot.sh run $BENCH train-steps 10 plain cyclegan device opencl 2>/dev/null | grep '^counters'
else
  echo "opencl: skipped (the PoCL chroot needs root: .ci/pocl-chroot.sh)"
fi
section "done"
