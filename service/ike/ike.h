/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKEv2 wire codec: include this one header. */
#pragma once

#include "ike-names.h"
#include "ike-codec.h"
#include "ike-rules.h"
#include "ike-format.h"
#include "ike-peek.h"
