# Mica: top-level build.  Two commands matter to a user: `make run` and
# `make test`.  Every Debian package the build needs is installed on demand by
# scripts/deps.sh, so both work on a brand-new machine.

BUILD ?= $(CURDIR)/build
export BUILD

# Debian packages, by the part of the tree that needs them.
DEPS_BUILD := make gcc binutils libc6-dev clang-format
DEPS_HYPERVISOR := qemu-system-x86 grub-pc-bin grub-common xorriso mtools
DEPS_TOOLSTACK := pkg-config libyajl-dev uuid-dev clang libclang-rt-14-dev
# Bochs emulates Intel VMX with EPT: the HVM tests' VMX half (hvm-vmx).
DEPS_VMX := bochs bochsbios vgabios
DEPS_LINUX := linux-source-6.1 bc bison flex libelf-dev libssl-dev cpio ccache \
	gcc-multilib libc6-dev-i386 \
	busybox-static
DEPS := $(DEPS_BUILD) $(DEPS_HYPERVISOR) $(DEPS_TOOLSTACK) $(DEPS_VMX) \
	$(DEPS_LINUX)

HV_MAKE = $(MAKE) -C hypervisor O=$(BUILD)/hypervisor
TS_MAKE = $(MAKE) -C toolstack O=$(BUILD)/toolstack
SUITE = scripts/run-suite.sh

.PHONY: all deps hypervisor guests toolstack linux iso run run-iso run-bochs \
	debug test bench \
	format check-format check-headers clean

all: hypervisor guests toolstack

deps:
	@scripts/deps.sh $(DEPS)

hypervisor: deps
	@$(HV_MAKE)

toolstack: deps
	@$(TS_MAKE)

# Tiny PV test kernels (tests/guests), run by `make test` on Mica.
guests: deps
	@$(MAKE) -s -C tests/guests O=$(BUILD)/guests
	@$(MAKE) -s -C tests/hvm O=$(BUILD)/hvm

# The Mica guest kernel (guest-linux-patches/ over Debian's linux-source-6.1,
# built under $(BUILD)/linux with ccache) and its test initramfs.
linux: deps
	@scripts/build-linux.sh
	@tests/linux/build-initramfs.sh

iso: hypervisor
	@$(HV_MAKE) iso

# Boot Mica in QEMU with its serial console on this terminal (Ctrl-A X quits).
# CPUS, MEM and ARGS override the machine and the hypervisor command line.
# Dom0 is the Mica Linux kernel (make linux) with its initramfs, running a
# shell on the console (DOM0=none: Mica alone).
run: hypervisor $(if $(filter none,$(DOM0)),,linux)
	@scripts/qemu.sh --interactive --smp $(or $(CPUS),2) --mem $(or $(MEM),1024) \
		--append "$(or $(ARGS),dom0_mem=256M)" \
		$(if $(filter none,$(DOM0)),,--initrd "$(BUILD)/linux/vmlinux mica.run=shell,$(BUILD)/linux/initramfs.cpio") \
		$(BUILD)/hypervisor/mica.elf

# The same machine booted from a GRUB (multiboot2) ISO.
run-iso: iso
	@scripts/qemu.sh --interactive --smp $(or $(CPUS),2) --mem $(or $(MEM),1024) \
		--iso $(BUILD)/hypervisor/mica.iso

# The same ISO in Bochs (Intel VMX), headless: the serial console goes to
# $(BUILD)/bochs-serial.log; stops after TIMEOUT seconds (default 300).
run-bochs: iso
	@scripts/bochs.sh --cpus $(or $(CPUS),2) --mem $(or $(MEM),256) \
		--timeout $(or $(TIMEOUT),300) --log $(BUILD)/bochs-serial.log \
		--iso $(BUILD)/hypervisor/mica.iso; \
		cat $(BUILD)/bochs-serial.log

# Wait for gdb on :1234 before the first instruction; see docs/debugging.md.
debug: hypervisor
	@echo "In another terminal: gdb $(BUILD)/hypervisor/mica.elf -ex 'target remote :1234'"
	@scripts/qemu.sh --interactive --gdb --smp $(or $(CPUS),2) \
		--mem $(or $(MEM),1024) --append "$(ARGS)" $(BUILD)/hypervisor/mica.elf

test: all iso
	@rm -rf $(BUILD)/test-logs
	@$(SUITE) check-format scripts/check-format.sh
	@$(SUITE) hypervisor-unit $(HV_MAKE) -s unit-test
	@$(SUITE) abi-headers tests/abi/check-headers.sh
	@$(SUITE) hypervisor-boot tests/system/boot-selftest.sh
	@$(SUITE) guests tests/guests/run.sh
	@$(SUITE) linux tests/linux/run.sh
	@$(SUITE) linux-dom0 tests/linux/dom0.sh
	@$(SUITE) hvm tests/hvm/run.sh
	@$(SUITE) hvm-linux tests/hvm/linux.sh
	@$(SUITE) hvm-vmx tests/hvm/run.sh --bochs
	@$(SUITE) vmx-linux tests/hvm/linux.sh --bochs
	@$(SUITE) toolstack $(TS_MAKE) -s test
	@scripts/test-summary.sh

# Micro-benchmarks in QEMU (the PV guests; Linux natively and on Mica; HVM
# exit costs and HVM Linux boot), then the toolstack's on the host; prints
# "metric value unit" lines.
bench: hypervisor guests linux toolstack
	@scripts/bench.sh
	@scripts/bench-hvm.sh
	@scripts/bench-density.sh
	@$(TS_MAKE) -s bench

format:
	@scripts/check-format.sh --fix

check-format:
	@scripts/check-format.sh

check-headers:
	@tests/abi/check-headers.sh

clean:
	rm -rf $(BUILD)
