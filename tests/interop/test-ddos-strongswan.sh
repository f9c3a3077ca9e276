#!/bin/bash
# The responder's anti-DDoS cookies (RFC 7296 §2.6, RFC 8019) and the
# IKE_SA_INIT redirect (RFC 5685), end to end: ikebusd (the daemon, on a
# private bus) responds, strongSwan 5.9.8 (kernel-libipsec) initiates.
#   (i)   ikebusctl --ddos-busy: Busy is true; strongSwan still establishes
#         (it returns our COOKIE), and GetGlobalStatistics counts one cookie
#         sent and one accepted; tshark (when present) sees our first
#         IKE_SA_INIT response carry exactly one payload, N(COOKIE);
#   (ii)  --ddos-unlimited: Busy is false, a new IKE SA costs no cookie;
#   (iii) --global-redirect yes --global-redirect-to 192.0.2.3: a second
#         ikebusd listens on 192.0.2.3 (an extra address in our namespace,
#         its own bus); strongSwan, redirected in IKE_SA_INIT, establishes
#         with it; the first daemon keeps no SA and counts the redirect;
#   (iv)  --name west-east --redirect-to 192.0.2.3 on an established IKE SA:
#         strongSwan follows the INFORMATIONAL REDIRECT to the second
#         gateway and deletes its IKE SA with us;
#   (v)   the other way round: we initiate to strongSwan, which redirects our
#         established IKE SA (swanctl --redirect) to a third ikebusd on
#         192.0.2.4; we make the new IKE SA there and delete the old one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
daemon_vs_strongswan 60

TSHARK_PID=""
stop_tshark() {
  if [ -n "$TSHARK_PID" ] && kill -0 "$TSHARK_PID" 2>/dev/null; then
    kill -INT "$TSHARK_PID"
    for _ in $(seq 1 30); do kill -0 "$TSHARK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$TSHARK_PID" 2>/dev/null
  fi
  TSHARK_PID=""
}
trap 'stop_tshark; daemon_stop_all; cleanup' EXIT

wait_ours() { daemon_wait_counts "$@"; }   # SIDE "IKE CHILD" SECONDS
busy() {
  DBUS_SYSTEM_BUS_ADDRESS=${DAEMON_BUS[west]} timeout 30 gdbus call --system \
    --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
    --method org.freedesktop.DBus.Properties.Get org.ikebus.ike1.Manager Busy 2>/dev/null
}
counter() { local v; v=$(daemon_counter west "$1"); echo "${v:-missing}"; }
sw_initiate() { "$SW" initiate --dir "$WORK/sw" --timeout "$1" 2>&1; }
sw_start() {
  "$SW" start --ns "$NS_B" --dir "$WORK/sw" --role initiator --kernel libipsec \
    --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
    --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 \
    > "$WORK/sw-start.out" 2>&1 || fail "strongSwan did not start: $(cat "$WORK/sw-start.out")"
}

netns_up
write_conn
daemon_start west "$NS_A" 192.0.2.1 "@west.example @east.example : PSK \"$PSK\""
daemon_add_conn west west-east "$(cat "$WORK/conn.gv")"

# (i) busy: cookies
daemon_ctl west --ddos-busy > "$WORK/ddos.out" 2>&1 || fail "--ddos-busy failed: $(cat "$WORK/ddos.out")"
busy | grep -q "<true>" || fail "(i) Busy is not true after --ddos-busy: $(busy)"
PCAP=$WORK/ddos.pcap
if command -v tshark > /dev/null; then
  ip netns exec "$NS_B" tshark -q -i "v-$NS_B" -f "udp port 500 or udp port 4500" \
    -a duration:60 -c 500 -w "$PCAP" > "$WORK/tshark.out" 2>&1 &
  TSHARK_PID=$!
  for _ in $(seq 1 100); do grep -qs "Capturing on" "$WORK/tshark.out" && break; sleep 0.1; done
  grep -q "Capturing on" "$WORK/tshark.out" || { note "tshark did not start; counters only"; stop_tshark; }
fi
sw_start
wait_ours west "1 1" 15 || fail "(i) no tunnel while busy: ours $(cat "$WORK/states.json"), strongSwan $(sw_state)"
sw_state | grep -q "ike=ESTABLISHED" || fail "(i) strongSwan is not established: $(sw_state)"
sent=$(counter ike-cookies-sent)
accepted=$(counter ike-cookies-accepted)
rejected=$(counter ike-cookies-rejected)
note "(i) cookies sent=$sent accepted=$accepted rejected=$rejected; strongSwan: $(sw_state)"
[ "$sent" != missing ] && [ "$sent" -ge 1 ] || fail "(i) ike-cookies-sent is $sent"
[ "$accepted" != missing ] && [ "$accepted" -ge 1 ] || fail "(i) ike-cookies-accepted is $accepted"
[ "$rejected" = 0 ] || fail "(i) ike-cookies-rejected is $rejected"
daemon_ctl west --globalstatus > "$WORK/globalstatus.out" 2>&1
grep -q "cookies" "$WORK/globalstatus.out" || fail "(i) --globalstatus shows no cookie counters: $(cat "$WORK/globalstatus.out")"
grep -i "cookie" "$WORK/globalstatus.out" | sed 's/^/  /'
if [ -n "$TSHARK_PID" ]; then
  sleep 1
  stop_tshark
  # our IKE_SA_INIT responses, in order: the payload types of each
  tshark -r "$PCAP" -Y "ip.src == 192.0.2.1 && isakmp.exchangetype == 34" \
    -T fields -e isakmp.typepayload -e isakmp.notify.msgtype 2>/dev/null > "$WORK/init-responses.txt"
  note "(i) our IKE_SA_INIT responses (payload types, notify types):"
  sed 's/^/  /' "$WORK/init-responses.txt"
  first=$(head -1 "$WORK/init-responses.txt")
  # one payload, Notify (41), of type COOKIE (16390)
  [ "$first" = "$(printf '41\t16390')" ] || fail "(i) first IKE_SA_INIT response is not N(COOKIE) alone: '$first'"
  [ "$(wc -l < "$WORK/init-responses.txt")" -ge 2 ] || fail "(i) no second IKE_SA_INIT response captured"
  # strongSwan's second request starts with our cookie
  n=$(tshark -r "$PCAP" -Y "ip.src == 192.0.2.2 && isakmp.exchangetype == 34 && isakmp.notify.msgtype == 16390" 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] || fail "(i) strongSwan's IKE_SA_INIT never carried the COOKIE back"
fi

# (ii) unlimited: no more cookies
daemon_ctl west --ddos-unlimited > /dev/null 2>&1 || fail "--ddos-unlimited failed"
busy | grep -q "<false>" || fail "(ii) Busy is not false after --ddos-unlimited: $(busy)"
$PEER_STOP > /dev/null 2>&1
wait_ours west "0 0" 10 || fail "(ii) ikebusd kept the SA: $(cat "$WORK/states.json")"
sw_start
wait_ours west "1 1" 15 || fail "(ii) no tunnel: $(cat "$WORK/states.json")"
[ "$(counter ike-cookies-sent)" = "$sent" ] || fail "(ii) a cookie was sent in unlimited mode: $(counter ike-cookies-sent)"
note "(ii) unlimited: established without a cookie"
$PEER_STOP > /dev/null 2>&1
wait_ours west "0 0" 15 || true

# (iii) redirect to a second gateway on 192.0.2.3
ip netns exec "$NS_A" ip addr add 192.0.2.3/24 dev "v-$NS_A" || fail "cannot add 192.0.2.3"
sed -e "s|'192.0.2.1'|'192.0.2.3'|" "$WORK/conn.gv" > "$WORK/conn2.gv"
daemon_start gw2 "$NS_A" 192.0.2.3 "@west.example @east.example : PSK \"$PSK\""
daemon_add_conn gw2 west-east "$(cat "$WORK/conn2.gv")"
daemon_ctl west --global-redirect yes --global-redirect-to 192.0.2.3 > "$WORK/redir.out" 2>&1 ||
  fail "(iii) --global-redirect failed: $(cat "$WORK/redir.out")"
DBUS_SYSTEM_BUS_ADDRESS=${DAEMON_BUS[west]} timeout 30 gdbus call --system \
  --dest org.ikebus.ike1 --object-path /org/ikebus/ike1 \
  --method org.freedesktop.DBus.Properties.Get org.ikebus.ike1.Manager GlobalRedirectTo 2>&1 |
  grep -q "192.0.2.3" || fail "(iii) GlobalRedirectTo does not show 192.0.2.3"
redirects0=$(counter ike-redirects-sent)
sw_start
if ! wait_ours gw2 "1 1" 20; then
  note "gw2 log"; daemon_log gw2 | tail -30
  fail "(iii) strongSwan did not establish with the second gateway: $(sw_state); gw2 $(cat "$WORK/states.json")"
fi
wait_ours west "0 0" 5 || fail "(iii) the redirecting daemon kept an SA: $(cat "$WORK/states.json")"
[ "$(counter ike-redirects-sent)" -gt "$redirects0" ] || fail "(iii) ike-redirects-sent did not grow"
"$SW" list --dir "$WORK/sw" 2>/dev/null | grep -q "192.0.2.3" ||
  fail "(iii) strongSwan's IKE SA is not with 192.0.2.3: $("$SW" list --dir "$WORK/sw" 2>&1 | head -5)"
note "(iii) strongSwan followed the REDIRECT: $(sw_state)"
"$SW" log --dir "$WORK/sw" 2>/dev/null | grep -i "redirect" | head -3 | sed 's/^/  /'

# (iv) --name west-east --redirect-to: an established peer is sent on
# with an INFORMATIONAL REDIRECT (RFC 5685 §6); strongSwan moves to the
# second gateway and deletes its IKE SA with us
$PEER_STOP > /dev/null 2>&1
wait_ours gw2 "0 0" 15 || fail "(iv) gw2 kept the SA of (iii): $(cat "$WORK/states.json")"
daemon_ctl west --global-redirect no > /dev/null 2>&1 || fail "(iv) --global-redirect no failed"
sw_start
wait_ours west "1 1" 15 || fail "(iv) no tunnel with us: $(cat "$WORK/states.json")"
redirects0=$(counter ike-redirects-sent)
daemon_ctl west --name west-east --redirect-to 192.0.2.3 > "$WORK/redir2.out" 2>&1 ||
  fail "(iv) --redirect-to failed: $(cat "$WORK/redir2.out")"
wait_ours gw2 "1 1" 20 || fail "(iv) strongSwan did not move to the second gateway: $(sw_state); gw2 $(cat "$WORK/states.json")"
wait_ours west "0 0" 15 || fail "(iv) the old IKE SA with us stayed: $(cat "$WORK/states.json")"
[ "$(counter ike-redirects-sent)" -gt "$redirects0" ] || fail "(iv) ike-redirects-sent did not grow"
note "(iv) strongSwan followed the INFORMATIONAL REDIRECT: $(sw_state)"
# a connection that does not exist is NotFound (exit status 1)
daemon_ctl west --name nope --redirect-to 192.0.2.3 > /dev/null 2>&1 && fail "(iv) --redirect-to for no connection succeeded"

# (v) we are the client: strongSwan responds, and redirects our established
# IKE SA (swanctl --redirect) to a third ikebusd on 192.0.2.4; we make the
# new IKE SA there and delete the one with it
$PEER_STOP > /dev/null 2>&1
wait_ours gw2 "0 0" 15 || fail "(v) gw2 kept the SA of (iv): $(cat "$WORK/states.json")"
# (strongSwan binds the wildcard address of its namespace, so the third
# gateway lives in ours, beside us; only IKE is checked, no pings)
ip netns exec "$NS_A" ip addr add 192.0.2.4/24 dev "v-$NS_A" || fail "cannot add 192.0.2.4"
sed -e "s|'192.0.2.2'|'192.0.2.4'|" "$WORK/conn.gv" > "$WORK/conn3.gv"
daemon_start gw3 "$NS_A" 192.0.2.4 "@east.example @west.example : PSK \"$PSK\""
daemon_add_conn gw3 west-east "$(cat "$WORK/conn3.gv")"
"$SW" start --ns "$NS_B" --dir "$WORK/sw" --role responder --kernel libipsec \
  --local 192.0.2.2 --remote 192.0.2.1 --local-id east.example --remote-id west.example \
  --psk "$PSK" --local-ts 198.51.100.2/32 --remote-ts 198.51.100.1/32 \
  > "$WORK/sw-start.out" 2>&1 || fail "(v) strongSwan did not start: $(cat "$WORK/sw-start.out")"
daemon_ctl west --initiate --name west-east > "$WORK/init.out" 2>&1 ||
  fail "(v) --initiate failed: $(cat "$WORK/init.out")"
wait_ours west "1 1" 10 || fail "(v) no tunnel with strongSwan: $(cat "$WORK/states.json")"
followed0=$(counter ike-redirects-followed)
"$SW" swanctl --dir "$WORK/sw" -- --redirect --peer-ip 192.0.2.1 --gateway 192.0.2.4 \
  > "$WORK/sw-redirect.out" 2>&1 || fail "(v) swanctl --redirect failed: $(cat "$WORK/sw-redirect.out")"
wait_ours gw3 "1 1" 20 || fail "(v) we did not follow strongSwan's REDIRECT to 192.0.2.4: gw3 $(cat "$WORK/states.json"); $(daemon_log west | grep -i redirect | tail -3)"
wait_ours west "1 1" 10 || fail "(v) west after the redirect: $(cat "$WORK/states.json")"
grep -q "192.0.2.4" "$WORK/states.json" || fail "(v) our IKE SA is not with 192.0.2.4: $(cat "$WORK/states.json")"
for _ in $(seq 1 50); do sw_state | grep -q " ike_count=0 " && break; sleep 0.2; done
sw_state | grep -q " ike_count=0 " || fail "(v) the IKE SA with strongSwan was not deleted: $(sw_state)"
[ "$(counter ike-redirects-followed)" -gt "$followed0" ] || fail "(v) ike-redirects-followed did not grow"
note "(v) we followed strongSwan's REDIRECT: our IKE SA is with 192.0.2.4; strongSwan $(sw_state)"
echo "PASS"
