#!/bin/sh
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Split a DER PKCS#7 chain of a GRC and one GMC into grc.pem and gmc.pem with
# the OpenSSL CLI only, so the checks do not trust our own code.
set -eu
chain=$1
out=$2
openssl pkcs7 -inform DER -in "$chain" -print_certs -out "$out/all.pem"
cd "$out"
awk '/-----BEGIN CERTIFICATE-----/ { n++; out = sprintf("cert-%02d", n) } out { print > out } /-----END CERTIFICATE-----/ { out = "" }' all.pem
for cert in cert-*; do
    subject=$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253)
    issuer=$(openssl x509 -in "$cert" -noout -issuer -nameopt RFC2253)
    if [ "${subject#subject=}" = "${issuer#issuer=}" ]; then
        mv "$cert" grc.pem
    else
        mv "$cert" gmc.pem
    fi
done
test -f grc.pem && test -f gmc.pem
