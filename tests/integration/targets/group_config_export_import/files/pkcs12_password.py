# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration tests only: the PKCS#12 password of a PEERIDENTITYEXPORT on stdin, from docs/format.md alone.

Standard library only, so it checks the documented recipe rather than the collection's code.
The export password comes in PEERNET_PASS.
"""

import base64
import hashlib
import hmac
import os
import re
import sys

document = sys.stdin.read()
n, r, p = (int(value) for value in re.search(r'<pn:KDF name="scrypt" n="(\d+)" r="(\d+)" p="(\d+)"/>', document).groups())
salt = base64.b64decode(re.search(r"<pn:SALT>([^<]+)</pn:SALT>", document).group(1))
master = hashlib.scrypt(os.environ["PEERNET_PASS"].encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
# HKDF-SHA256 (RFC 5869) with an empty salt, for 32 bytes: one expand block.
pseudorandom_key = hmac.new(bytes(32), master, hashlib.sha256).digest()
print(hmac.new(pseudorandom_key, b"peernet pkcs12 v1\x01", hashlib.sha256).hexdigest())
