#!/usr/bin/env bash
# Data-parallel scaling on one host: the same global batch trained by 1 rank x T threads and by T ranks x 1 thread,
# through `coronetgan train --distributed` (which prints steps/s after 3 warm-up steps and the gradient all-reduce's
# bytes and time per step). Usage: bench/mpi-scaling.sh [size] [ngf] [steps] [global batch] [train options...] (e.g.
# --no-prune to time plain training instead of the search); needs mpirun (openmpi-bin)
# and a Release build (dotnet build CoroNetGAN.Engine.sln -c Release). Results: bench/README.md, "Data-parallel training".
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-64} ngf=${2:-16} steps=${3:-40} batch=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
cores=$(nproc)
cli=$(ls bindings/Cli/bin/Release/net10.0/*/coronetgan | head -1)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {  # ranks threads
  local ranks=$1 threads=$2
  shift 2
  rm -rf "$out/run"
  mpirun --oversubscribe --bind-to none -np "$ranks" -x CORONETGAN_CPU_THREADS="$threads" "$cli" train --mode pix2pix \
    --data data/openmoji-pairs --out "$out/run" --size "$size" --ngf "$ngf" --ndf "$ngf" --steps "$steps" --target-ratio 0.25 \
    --search-share 1 --device cpu --checkpoint-every 0 --sample-every 0 --batch-size $(( batch / ranks )) --distributed "$@" 2>&1 \
    | grep '^distributed:' | sed "s/^/size $size ngf $ngf $*: /"
}
run 1 "$cores" "$@"
run "$cores" 1 "$@"
