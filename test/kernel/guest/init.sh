#!/bin/busybox sh
# The guest's /init: mount, load virtio-mem, open the host's channel, run the scenarios, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/sbin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo "GUEST kernel $(uname -r) $(cat /proc/cmdline)"
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mem; do
	[ ! -e /modules/$(uname -r)/$module.ko ] || insmod /modules/$(uname -r)/$module.ko || echo "GUEST insmod $module failed"
done
# ttyS1 carries the host's answers; raw, so that a line arrives as sent.
stty -F /dev/ttyS1 raw -echo
variant=$(sed -n 's/.*hamtest=\([a-z]*\).*/\1/p' /proc/cmdline)
node /test/scenarios.mjs "$variant" || echo "GUEST scenarios exited $?"
echo "GUEST DONE"
sync
poweroff -f
