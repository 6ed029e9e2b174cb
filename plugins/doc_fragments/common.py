# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.

from __future__ import annotations


class ModuleDocFragment(object):
    # Options and requirements every module that opens the host store shares.
    DOCUMENTATION = r"""
options:
  store_path:
    description:
      - Directory of the per-user host store on the managed node.
      - A module that changes the store creates it with mode C(0700) when missing (not in check mode);
        M(peernet.peergroup.store_info) only reads it and never creates it.
      - A store owned by another user, or group- or world-writable, is refused with
        C(PEER_E_NO_KEY_ACCESS).
      - Defaults to C($XDG_DATA_HOME/peernet) or C(~/.local/share/peernet), and to
        C(/var/lib/peernet) for root.
    type: path
requirements:
  - cryptography >= 3.4.8, on the managed node
  - lxml >= 4.6.5, on the managed node
notes:
  - Failures return C(hresult) with the Windows HRESULT C(name), C(code) (hex) and signed C(value).
  - The requirements are Python packages of the interpreter the module runs with on the managed node
    (C(ansible_python_interpreter)), not of the controller. Install them with the distribution's packages
    (for example C(python3-cryptography) and C(python3-lxml) on Debian, Ubuntu, Fedora and RHEL 9) or with
    C(pip install 'cryptography>=3.4.8' 'lxml>=4.6.5') into that interpreter; without them the module fails
    naming the missing package.
"""

    # Options of modules that take a password.
    PASSWORD = r"""
options:
  password:
    description:
      - Password that seals the document (export) or opens it (import).
      - Never logged or returned. Keep it in Ansible Vault.
      - Anyone holding a document can test guesses offline, one scrypt run each, so use a random password of
        at least 20 characters.
      - An export refuses an empty password with C(PEER_E_PASSWORD_DOES_NOT_MEET_POLICY); a password holding
        U+0000 (NUL) is refused with C(E_INVALIDARG).
    type: str
    required: true
"""

    # The option of the export modules whose action plugin writes the document on the controller.
    CONTROLLER_DEST = r"""
options:
  controller_dest:
    version_added: 0.2.0
    description:
      - File on the B(controller) to write the document to, mode C(0600); written by the action plugin
        after the module ran on the managed node.
      - Its folder must exist. The file is replaced atomically (temporary file in the same folder, created
        C(0600), synced, renamed), and only when its bytes differ from the document or its mode is not
        C(0600). Either is a change (RV(controller_changed)).
      - An existing file must be a regular file of the controller user; a symbolic link, a directory, a FIFO,
        a device or a file of another user is refused before the module runs.
      - In check mode nothing is written; a document that would be sealed anew counts as a change.
      - A relative path is relative to the working directory of C(ansible-playbook); C(~) is the controller user's home.
    type: path
"""

    # Attributes of the modules whose action plugin runs the module (the plugin is not async-safe).
    ACTION_PLUGIN = r"""
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
"""

    # Attributes of the modules that only read.
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    details: The module never changes anything.
  diff_mode:
    support: N/A
    details: The module never changes anything.
"""
