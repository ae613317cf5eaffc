#!/bin/sh
# Runs one test program of the tsan preset (POOLKEEPER_TSAN) with address space layout
# randomisation turned off for it and for every process it starts: the personality flag that
# setarch -R sets is inherited across fork and exec, so the poolkeeper-cli and pk_logwriter
# processes the tests spawn get it too.
#
# Why: the ThreadSanitizer runtime of gcc 12 (and of clang before 18) expects the program and its
# libraries in fixed address ranges. With more than 28 bits of mmap randomisation
# (vm.mmap_rnd_bits = 32, the default of newer kernels and distributions such as Ubuntu 24.04 and
# hosted CI runners) it dies at start with "FATAL: ThreadSanitizer: unexpected memory mapping".
# The sysctl needs root on the host and cannot be changed in a container; setarch -R needs no
# privilege. Where even that is refused (a seccomp profile that forbids personality(2)), the
# program runs as it is, which works wherever the kernel's randomisation is 28 bits or less.
set -eu
arch=$(uname -m)
if setarch "$arch" -R true 2>/dev/null; then
    exec setarch "$arch" -R "$@"
fi
echo "tsan-run.sh: setarch -R is not permitted here; running with address randomisation on" >&2
exec "$@"
