# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""store_info through main() against a real store: the verified and the light (verify=false) read."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import (
    IdentityRecord,
    MembershipRecord,
    Store,
)
from ansible_collections.peernet.peergroup.plugins.modules import store_info

CERTIFICATE_FIELDS = {"roles", "chain_fingerprints", "not_before", "not_after", "days_left", "chain_verified", "chain_problem"}
DIGEST = "ab" * 32


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    """A store with one identity and its imported membership of a group it does not own."""
    member_key, group_key = certs.generate_key(2048), certs.generate_key(2048)
    member = str(peername.secure_name(member_key.public_key(), "member"))
    group = str(peername.secure_name(group_key.public_key(), "crew"))
    root = certs.make_group_root(group_key, group)
    gmc = certs.issue_gmc(root, group_key, member_key.public_key(), member, group, ["member"], datetime.timedelta(days=30))
    path = str(tmp_path_factory.mktemp("store") / "store")
    with Store.open(path) as store:
        store.add_identity(
            IdentityRecord(
                member,
                "member",
                "Member",
                member_key.key_size,
                certs.private_key_to_der(member_key),
                certs.certificate_to_der(certs.make_identity_certificate(member_key, member)),
            )
        )
        store.put_membership(
            MembershipRecord(
                member,
                group,
                "Global_",
                "global",
                0,
                (certs.certificate_to_der(root), certs.certificate_to_der(gmc)),
                None,
                "crew",
                "Crew",
                DIGEST,
            ),
            imported_digest=DIGEST,
        )
    return path


def run_module(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            store_info.main()
    return json.loads(capsys.readouterr().out)


def test_the_light_read_is_the_verified_one_without_the_certificates(capsys, store_path):
    verified = run_module(capsys, dict(store_path=store_path))
    light = run_module(capsys, dict(store_path=store_path, verify=False))
    assert verified["integrity_problems"] == []
    assert "integrity_problems" not in light
    assert verified["memberships"][0]["chain_verified"] is True
    assert verified["memberships"][0]["imported_digest"] == DIGEST
    assert light["identities"] == verified["identities"]
    assert light["memberships"] == [
        {name: value for name, value in membership.items() if name not in CERTIFICATE_FIELDS}
        for membership in verified["memberships"]
    ]
    assert light["memberships"][0]["owner"] is False
    assert light["memberships"][0]["chain_length"] == 2


def test_a_missing_store_reads_as_empty_either_way(capsys, tmp_path):
    for verify in (True, False):
        result = run_module(capsys, dict(store_path=str(tmp_path / "missing"), verify=verify))
        assert (result["exists"], result["identities"], result["memberships"]) == (False, [], [])
    assert not os.path.exists(str(tmp_path / "missing"))


@pytest.mark.parametrize("verify, loads_certificate_libraries", [(False, False), (True, True)])
def test_only_verification_loads_cryptography_and_lxml(store_path, verify, loads_certificate_libraries):
    # A fresh interpreter: this one has loaded both already.
    probe = (
        "import json, sys\n"
        "from ansible.module_utils.testing import patch_module_args\n"
        "from ansible_collections.peernet.peergroup.plugins.modules import store_info\n"
        "with patch_module_args(json.loads(sys.argv[1])):\n"
        "    try:\n"
        "        store_info.main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = sorted({name.split('.')[0] for name in sys.modules} & {'cryptography', 'lxml'})\n"
        "sys.stderr.write(json.dumps(loaded))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(dict(store_path=store_path, verify=verify))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    assert json.loads(completed.stdout)["exists"] is True
    loaded = json.loads(completed.stderr.decode().strip().splitlines()[-1])
    assert loaded == (["cryptography", "lxml"] if loads_certificate_libraries else [])
