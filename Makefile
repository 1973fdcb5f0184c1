# SPDX-License-Identifier: GPL-2.0
# Kexec HandOver (KHO) for Linux 6.12: project front door.
#
#   make demo          the main job: build, boot, a KHO kexec chain, timings
#   make check         every test; ends with "kho: N passed, N failed"
#
# Everything else is a step of those two; see README.md.

SHELL := /bin/bash
S := scripts

.PHONY: all setup base build initramfs demo check refresh rebase reset-src \
	series series-check chain bench bench-core check-debug check-distro \
	check-upgrade check-systemd fuzz fuzz-luo \
	docs clean distclean

all: build

setup:
	@$(S)/setup.sh

base: setup
	@$(S)/base.sh

build:
	@$(S)/build.sh

initramfs: build
	@$(S)/initramfs.sh

demo: initramfs
	@$(S)/demo.sh

check:
	@$(S)/check.sh

# KHO under KASAN, kmemleak, lockdep, DEBUG_VM ... (build/obj-debug), and on
# Debian's own cloud config (build/obj-distro); both are part of make check
check-debug:
	@$(S)/ktap-summary.sh $(S)/check-debug.sh

check-distro:
	@$(S)/ktap-summary.sh $(S)/check-distro.sh

# Live update under a real systemd (Debian unstable, built once per machine
# by scripts/rootfs-systemd.sh) on check-distro's kernel: fd stores kept
# across "systemctl kexec"; HOPS=N (2)
check-systemd:
	@HOPS=$(or $(HOPS),2) $(S)/ktap-summary.sh $(S)/check-systemd.sh

# Live update from the previous release of the series to HEAD and back
# (series/releases), with an unknown handover version refused
check-upgrade:
	@$(S)/ktap-summary.sh $(S)/check-upgrade.sh

# The incoming-handover checker under libFuzzer, ASan and UBSan in user
# space; FUZZ_RUNS=N executions (default 1000000), FUZZ_SEED=N
fuzz:
	@$(S)/ktap-summary.sh $(S)/fuzz.sh

# The live update fuzzer through a chain of kexecs (luo_fuzz, scenario
# luo-fuzz): SEED=N (printed; the same seed runs the same operations),
# OPS=N per thread and generation (1000), HOPS=N kexecs (8), THREADS=N (4),
# KERNEL=debug (KASAN, kmemleak, lockdep: the default) or KERNEL=test
fuzz-luo:
	@SEED=$(SEED) OPS=$(OPS) HOPS=$(HOPS) THREADS=$(THREADS) KERNEL=$(KERNEL) \
		$(S)/ktap-summary.sh $(S)/fuzz-luo.sh

# HOPS=N: a chain of N hops with the plain test kernel
chain: initramfs
	@python3 $(S)/qemu-run.py --name chain$(or $(HOPS),3) --hops $(or $(HOPS),3)

# The KHO and live update documentation with Debian's Sphinx and the
# tree's own conf.py: build/docs/html; fails on any warning
docs:
	@$(S)/ktap-summary.sh $(S)/docs.sh

# KHO_BASE_VER=VERSION: move the series onto that Debian linux-source-6.12
rebase:
	@$(S)/rebase.sh $(KHO_BASE_VER)

refresh:
	@python3 $(S)/overlay.py refresh

reset-src:
	@git -C build/src reset -q --hard && git -C build/src clean -fdq && \
		echo "kho: build/src edits dropped"

series:
	@python3 $(S)/series.py export

series-check:
	@$(S)/series-check.sh

# Blackout, restore, finalize, tracker and API cost, against plain kexec;
# writes build/bench/bench.md and restore.png (RUNS=, HOPS=, see script)
bench: initramfs
	@$(S)/bench.sh

# RUNS=N: tracker and preserve API benchmark, median of N boots
bench-core: initramfs
	@$(S)/bench-core.sh

clean:
	rm -rf build/obj build/obj-debug build/obj-distro build/initramfs* \
		build/logs* build/systemd build/results build/series* build/fuzz build/docs build/prev build/base-prev

distclean:
	rm -rf build
