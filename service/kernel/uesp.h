/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend ("userspace"): RFC 4303 ESP, sent as ESP-in-UDP
 * (RFC 3948) or raw IP protocol 50, between a TUN device and the network.
 * Built by kernel_uesp_new() (kernel.h); this header adds what status output
 * and tests need beyond the ops table.
 *
 * Data path: one thread polls the TUN device and the ESP sockets.  SA and
 * policy changes come from the main thread under a write lock; a packet is
 * processed under the read lock.  Events are posted to the main context.
 *
 * Outbound lookup: OUT policies by priority (action ipsec: the newest live
 * outbound SA with the policy's reqid; none: ACQUIRE + drop); when no
 * policy matches, the outbound SA whose selectors cover the packet.
 * Hard lifetime: the SA stops carrying traffic and EXPIRE(hard) is posted;
 * the engine still calls del_sa to remove it.
 * Transport mode: no NAT-T checksum fix-ups (RFC 3948 §3.1.2) yet.
 */
#pragma once

#include <glib.h>

#include "esp-packet.h"
#include "kernel.h"

G_BEGIN_DECLS

/* Counters of SA @spi (either direction), or the global ones for spi 0:
 * bytes/packets/drops per reason.  FALSE if there is no such SA. */
gboolean kernel_uesp_get_counters(KernelBackend *kb, guint32 spi, EspCounters *out);
/* The TUN device name, NULL when detached. */
const char *kernel_uesp_get_tun_name(KernelBackend *kb);

/* ---- detached mode (tests) -------------------------------------------- */

/* Receives a packet the backend would send: to the network (@dst/@port set;
 * @port 0 for raw ESP) or to the TUN device (@dst NULL). */
typedef void (*UespOutputFunc)(const guint8 *packet, gsize len, const KernelAddr *dst, guint16 port,
                               gpointer user_data);

/* A backend with no TUN, sockets, routes or thread: packets go in through
 * kernel_uesp_tun_input() / kernel_backend_esp_input() and come out through
 * @output on the calling thread. */
KernelBackend *kernel_uesp_new_detached(UespOutputFunc output, gpointer user_data);
/* Processes one IP packet as if read from the TUN device. */
EspDrop kernel_uesp_tun_input(KernelBackend *kb, const guint8 *packet, gsize len);
/* Processes one ESP packet as if received (same as the esp_input op). */
EspDrop kernel_uesp_net_input(KernelBackend *kb, const guint8 *packet, gsize len,
                              const KernelAddr *from, guint16 from_port);
/* Runs the time-based lifetime checks now (the data thread does it every
 * second); @now is wall-clock seconds. */
void kernel_uesp_tick(KernelBackend *kb, gint64 now);

G_END_DECLS
