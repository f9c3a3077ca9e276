#!/bin/bash
# ikebusd --nhelpers 0 (pluto's option: no crypto helper threads) against
# strongSwan (kernel-libipsec, the initiator): the tunnel comes up and
# carries pings, and GetGlobalStatistics says every crypto job ran on the
# main thread (crypto-jobs-inline > 0, crypto-jobs-pool = 0).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
daemon_vs_strongswan

counter() { local v; v=$(daemon_counter west "$1"); echo "${v:-missing}"; }

DAEMON_ARGS="--nhelpers 0" west_and_strongswan_up
daemon_wait_counts west "1 1" 10 || fail "ikebusd does not list one IKE SA and one Child SA: $(cat "$WORK/states.json")"
inline=$(counter crypto-jobs-inline)
pool=$(counter crypto-jobs-pool)
[ "$inline" != missing ] && [ "$inline" -ge 1 ] || fail "crypto-jobs-inline is $inline"
[ "$pool" = 0 ] || fail "crypto-jobs-pool is $pool with --nhelpers 0"
ping_through "$NS_A" 198.51.100.1 198.51.100.2 || fail "no ping through the tunnel (ikebus side)"
note "--nhelpers 0: tunnel up, pings cross it, $inline crypto jobs inline, none on a pool"
echo "PASS"
