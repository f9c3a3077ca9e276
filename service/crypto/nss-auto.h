/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * g_autoptr() cleanups for the NSS handles ikebus uses, in one place so that
 * every file frees them the same way (STYLE.md, "Ownership").
 */
#pragma once

#include <glib.h>
#include <cert.h>
#include <keyhi.h>
#include <pk11pub.h>
#include <secitem.h>

static inline void
crypto_secitem_free_all(SECItem *item)
{
	/* zero the contents: SECItems here often hold key material */
	SECITEM_ZfreeItem(item, PR_TRUE);
}

static inline void
crypto_pk11_context_destroy(PK11Context *ctx)
{
	PK11_DestroyContext(ctx, PR_TRUE);
}

static inline void
crypto_arena_free_zero(PLArenaPool *arena)
{
	PORT_FreeArena(arena, PR_TRUE); /* PR_TRUE: zero before freeing */
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PK11SymKey, PK11_FreeSymKey)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PK11SlotInfo, PK11_FreeSlot)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PK11Context, crypto_pk11_context_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SECKEYPrivateKey, SECKEY_DestroyPrivateKey)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SECKEYPublicKey, SECKEY_DestroyPublicKey)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CERTCertificate, CERT_DestroyCertificate)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CERTCertList, CERT_DestroyCertList)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SECItem, crypto_secitem_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PLArenaPool, crypto_arena_free_zero)
