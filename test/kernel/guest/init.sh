#!/bin/busybox sh
# The guest's /init: mount, load virtio-mem, start qemu-ga, open the host's channel, run the scenarios, power off
# (hamtest=vm: after qemu-ga, wait for the host's ham-tui instead).
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/sbin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo "GUEST kernel $(uname -r) $(cat /proc/cmdline)"
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mem virtio_console; do
	[ ! -e /modules/$(uname -r)/$module.ko ] || insmod /modules/$(uname -r)/$module.ko || echo "GUEST insmod $module failed"
done
# The QEMU guest agent on its virtio-serial port, found by name (no udev here for the
# /dev/virtio-ports/ link); in the background, its log in /tmp for the serial log on failure.
for port in /sys/class/virtio-ports/*; do
	[ "$(cat "$port/name" 2>/dev/null)" != org.qemu.guest_agent.0 ] || agent=/dev/${port##*/}
done
if [ -n "$agent" ]; then
	qemu-ga -m virtio-serial -p "$agent" -t /tmp -l /tmp/qemu-ga.log &
else
	echo "GUEST no org.qemu.guest_agent.0 port in /sys/class/virtio-ports"
fi
variant=$(sed -n 's/.*hamtest=\([a-z]*\).*/\1/p' /proc/cmdline)
if [ "$variant" = vm ]; then
	# npm run vm (scripts/vm.ts): a guest for trying ham-tui --qmp/--qga from the host, no scenarios.
	# auto-movable: the agent's plain "online" puts hot-added memory in ZONE_MOVABLE (the kernel's own
	# rule, within its ratio), so that a DIMM onlined through the agent can be unplugged again.
	policy=/sys/module/memory_hotplug/parameters/online_policy
	[ ! -e $policy ] || echo auto-movable > $policy || echo "GUEST could not set online_policy"
	echo "GUEST ready for ham-tui --qmp/--qga"
	while :; do sleep 3600; done
fi
# ttyS1 carries the host's answers; raw, so that a line arrives as sent.
stty -F /dev/ttyS1 raw -echo
node /test/scenarios.mjs "$variant" || echo "GUEST scenarios exited $?"
echo "GUEST DONE"
sync
poweroff -f
