# SPDX-License-Identifier: GPL-2.0
#
# vsvm: the two commands are "make demo" and "make check"; see README.md.

SHELL := /bin/bash
FLAVOUR ?= debug
BUILD := $(CURDIR)/build

.PHONY: all setup kernel kernel-release userspace igt check demo bench vm \
	static-checks check-harness clean help

all: kernel userspace igt

help:
	@sed -n 's/^## //p' Makefile

## make setup          install missing Debian packages (apt)
setup:
	@scripts/setup.sh

## make kernel         build (or reuse) the $(FLAVOUR) kernel and the vsvm modules
kernel: setup
	@scripts/build-kernel.sh $(FLAVOUR) > /dev/null

kernel-release: setup
	@scripts/build-kernel.sh release > /dev/null

## make userspace      libvsvm and the tools, in build/userspace
userspace: setup
	@$(MAKE) -s -C userspace OUT=$(BUILD)/userspace

## make igt            the IGT tests, in build/igt
igt: setup
	@$(MAKE) -s -C igt-tests OUT=$(BUILD)/igt

## make check          every test: static checks, KUnit and IGT in the debug kernel
check:
	@scripts/check.sh

## make check-harness  prove that make check fails on planted driver bugs
check-harness:
	@scripts/harness-selftest.sh

## make demo           build, boot, and show what the device can do
demo:
	@scripts/demo.sh

## make bench          VRAM migration vs test_hmm and memcpy, release kernel: build/bench/
bench: kernel-release userspace
	@scripts/bench.sh

## make vm             a shell in a guest with the driver loaded
vm: kernel userspace igt
	@scripts/vm-run.sh --flavour $(FLAVOUR) --interactive

static-checks: kernel
	@scripts/static-checks.sh /dev/stdout

## make clean          remove build/ (the kernel cache stays in ~/.cache/vsvm)
clean:
	rm -rf $(BUILD)
