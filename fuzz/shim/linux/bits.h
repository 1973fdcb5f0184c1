/* SPDX-License-Identifier: GPL-2.0-only */
/* Empty: see fuzz/kho_shim.h */
