/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Syntax checks for the text values of the connection model. Each returns
 * NULL when @text is acceptable, else an owned one-line reason that quotes
 * the value but not the key ("\"x y\" is not an IP address"); the caller
 * adds the key. Pure: no name resolution, no I/O. Thread: any.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 4 or 6 when @text is an IPv4 or IPv6 address literal, else 0. */
int ikebus_ip_family(const char *text);

/* 4 or 6 for "ADDRESS" or "ADDRESS/PREFIX" with a valid prefix, else 0. */
int ikebus_subnet_family(const char *text);

char *ikebus_check_text(const char *text);      /* non-empty, no control character */
char *ikebus_check_ip(const char *text);        /* an IPv4 or IPv6 address */
char *ikebus_check_host(const char *text);      /* IP, %any, %defaultroute, %opportunistic, DNS name */
char *ikebus_check_peer(const char *text);      /* IP address or DNS name */
char *ikebus_check_nexthop(const char *text);   /* IP, %direct, %defaultroute */
char *ikebus_check_subnet(const char *text);    /* ADDRESS[/PREFIX] */
char *ikebus_check_cidr(const char *text);      /* ADDRESS/PREFIX */
char *ikebus_check_dns_name(const char *text);  /* RFC 1123 host name */
char *ikebus_check_id(const char *text);        /* an IKE identity */
char *ikebus_check_ca(const char *text);        /* a DN, %same or %any */
char *ikebus_check_ckaid(const char *text);     /* an even number of hex digits */
char *ikebus_check_protoport(const char *text); /* PROTOCOL/PORT */
char *ikebus_check_proposals(const char *text); /* algorithm proposal list */
char *ikebus_check_mark(const char *text);      /* MARK[/MASK] */

G_END_DECLS
