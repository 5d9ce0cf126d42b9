#!/usr/bin/env bash
# The kernel tests on ARM64 (NEON, the 128-bit path with fused multiply-add) on an x86 machine, under qemu-user
# emulation: checks that the NEON instantiations of the register kernels, the mixture posterior, the HMM's state loops
# and the 128-bit transposition give the reference's numbers. Correctness only: emulated time says nothing of NEON's
# speed. `dotnet test` cannot start an arm64 test host here, so bench/LatentFit.EmulatedArm64 runs the tests in
# process through xUnit's own engine. .ci/run runs it with the filters ColumnBlockKernelTests KernelPathTests
# ForwardBackward; without filters it takes .ci/run's whole kernel-test set (about 8 minutes on 2 cores), and with
# the filter LatentFit.Tests every test of that project (libssl3:arm64 is for the shards' SHA-256).
#
# Usage: bash bench/arm64-emulated.sh [name filters, default: .ci/run's kernel tests]
# Needs (Debian, root): dpkg --add-architecture arm64 && apt-get update &&
#   apt-get install -y qemu-user-static libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 zlib1g:arm64 libssl3:arm64
# The .NET runtime for linux-arm64 comes from NuGet with the self-contained publish.
set -euo pipefail
cd "$(dirname "$0")/.."
qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
if [ -z "$qemu" ]; then
  echo "qemu-aarch64(-static) is not installed; see the apt lines at the top of $0" >&2
  exit 2
fi
if [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
  echo "the arm64 C library is not installed (libc6:arm64); see the apt lines at the top of $0" >&2
  exit 2
fi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
dotnet publish bench/LatentFit.EmulatedArm64 -c Release -r linux-arm64 --self-contained -v q --nologo -o "$out" > /dev/null
# W^X double mapping of JIT code is not needed under emulation and slows it; the expected path makes KernelPathTests
# fail if the process did not take the 128-bit register kernels.
DOTNET_EnableWriteXorExecute=0 LATENTFIT_EXPECT_KERNEL_PATH=registers-128 "$qemu" "$out/LatentFit.EmulatedArm64" "$@"
