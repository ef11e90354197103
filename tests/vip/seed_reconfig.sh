#!/bin/bash
# The anchor's VIP: the seed tutorial's client-reconfig-script (shared/seeds/002, "VIP对外提供虚拟IP实现高可用",
# /opt/notify_mymaster.sh), adapted to the namespaces of tests/test_vip_netns.py. Debian's redis-sentinel runs it on
# every failover it leads or learns of, inside the host's namespace, with
#
#     <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>
#
# The host whose address is <to-ip> (the new master) adds the VIP and announces it with arping (when installed);
# every other host deletes it. Like the seed, it always exits 0 (1 would make sentinel run it again).
#
# The seed hard-codes LOCAL_IP, VIP, NETMASK and INTERFACE per server; here one copy serves the three hosts, so the
# test passes them in the environment (SEED_LOCAL_IP, SEED_VIP, SEED_NETMASK, SEED_INTERFACE), with the seed's
# meaning and the test's defaults. SEED_LOG, when set, receives one timestamped line per call and per action.

MASTER_IP=${6}                                  # the sixth argument is the new master's address (<to-ip>)
INTERFACE=${SEED_INTERFACE:-eth0}
VIP=${SEED_VIP:-198.18.0.100}
NETMASK=${SEED_NETMASK:-24}
LOCAL_IP=${SEED_LOCAL_IP:-$(ip -4 -o addr show dev "${INTERFACE}" primary | awk '{split($4, a, "/"); print a[1]; exit}')}

log() {
    if [ -n "${SEED_LOG}" ]; then
        echo "$(date +%s.%N) $*" >> "${SEED_LOG}"
    fi
}

log "called: $*"
if [ "${MASTER_IP}" = "${LOCAL_IP}" ]; then
    ip addr add ${VIP}/${NETMASK} dev ${INTERFACE}      # bind the VIP to this host
    log "add ${VIP}/${NETMASK} dev ${INTERFACE}: exit $?"
    if command -v arping > /dev/null 2>&1; then
        arping -q -c 3 -A ${VIP} -I ${INTERFACE}
        log "arping -A ${VIP}: exit $?"
    else
        log "arping not installed: no gratuitous ARP"
    fi
    exit 0
else
    ip addr del ${VIP}/${NETMASK} dev ${INTERFACE} 2> /dev/null   # remove the VIP from this host
    log "del ${VIP}/${NETMASK} dev ${INTERFACE}: exit $?"
    exit 0
fi
