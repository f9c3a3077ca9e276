/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Batched datagram I/O for the userspace ESP data path.  The cost of a
 * packet in user space is dominated by the kernel's per-call work (syscall
 * entry, route lookup, one skb through the stack), not by the cipher, so
 * both directions move packets in batches:
 *
 *   UespTx  ESP packets are built in place in one arena and sent with one
 *           sendmmsg() per batch.  Runs of equal-sized packets to the same
 *           peer go out as one UDP GSO super-datagram (UDP_SEGMENT, Linux
 *           4.18+): one trip through the stack, cut into wire datagrams at
 *           the device.  If the socket or route refuses GSO (no checksum
 *           offload, EIO/EINVAL), the batch falls back to plain datagrams
 *           and GSO stays off for this UespTx.
 *   UespRx  recvmmsg() into large slots; on a socket with UDP_GRO the
 *           kernel hands over coalesced runs that are split here at the
 *           segment size it reports.
 *
 * Nothing here knows ESP: a packet carries an opaque cookie that comes back
 * in the completion callback with whether it was sent.
 *
 * Thread: a UespTx/UespRx belongs to one thread.  No GError: failures of a
 * datagram are reported per packet (UespTxDone) or as a negative count.
 */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* Packets per sendmmsg()/recvmmsg() batch. */
#define UESP_IO_BATCH 64

typedef struct UespTx UespTx;

/* Owned batch with an arena for UESP_IO_BATCH packets of up to @slot_hint
 * octets each (larger packets still fit, one at a time). */
UespTx *uesp_tx_new(gsize slot_hint);
void uesp_tx_free(UespTx *tx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UespTx, uesp_tx_free)

/* Space for a packet of at most @max_len octets, or NULL when the batch is
 * full (call uesp_tx_flush() and retry).  Valid until the next commit. */
guint8 *uesp_tx_reserve(UespTx *tx, gsize max_len);
/* Queues the @len octets written at the last reserve for @fd/@to (copied).
 * @cookie and @cookie_n come back in the completion callback. */
void uesp_tx_commit(UespTx *tx, int fd, const struct sockaddr *to, socklen_t to_len, gsize len,
                    gpointer cookie, gsize cookie_n);
/* Called once per queued packet, in queue order. */
typedef void (*UespTxDone)(gpointer cookie, gsize cookie_n, gboolean sent, gpointer user_data);
/* Sends everything queued (never blocks: MSG_DONTWAIT) and empties the batch. */
void uesp_tx_flush(UespTx *tx, UespTxDone done, gpointer user_data);
guint uesp_tx_pending(const UespTx *tx);
/* FALSE once GSO was refused (or disabled by the caller). */
gboolean uesp_tx_get_gso(const UespTx *tx);
void uesp_tx_set_gso(UespTx *tx, gboolean on);

typedef struct UespRx UespRx;

UespRx *uesp_rx_new(void);
void uesp_rx_free(UespRx *rx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UespRx, uesp_rx_free)

/* One datagram (a GRO run is split first); @data is writable scratch owned
 * by the UespRx, valid for the call. */
typedef void (*UespRxFunc)(guint8 *data, gsize len, const struct sockaddr_storage *from,
                           gpointer user_data);
/* One recvmmsg() on @fd (non-blocking): calls @func per datagram and
 * returns how many there were, 0 when nothing was waiting, -1 on error. */
int uesp_rx_drain(UespRx *rx, int fd, UespRxFunc func, gpointer user_data);

/* Asks for coalesced receives (UDP_GRO, Linux 5.0+); FALSE if refused. */
gboolean uesp_socket_enable_gro(int fd);
/* SO_SNDBUF/SO_RCVBUF of @bytes (the FORCE variants first, as root may). */
void uesp_socket_set_buffers(int fd, int bytes);

G_END_DECLS
