#!/usr/bin/env bash
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `make demo`: one source and three targets, all local stores under a temporary folder.
# Creates a random Vault password and a Vault-encrypted vars file, gives the source an
# identity that owns two groups, runs peernet.peergroup.distribute twice and shows that the
# second run changes nothing. Then the recommended path: peernet.peergroup.enroll gives each
# target its own identity and a member credential for the source's build-farm group, twice,
# the second run changing nothing.
#
# Uses ansible-playbook and ansible-vault from PATH. ANSIBLE_COLLECTIONS_PATH is taken from
# the environment; when unset, this checkout is staged as peernet.peergroup in the temp folder.
# DEMO_KEEP=1 keeps the temporary folder (inventory, stores, documents) for a look around.
# DEMO_PYTHON=/usr/bin/python3 runs the modules on that Python instead of ansible-playbook's own;
# DEMO_INSTALL_PACKAGES=1 lets both roles install their Python libraries from the distribution.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in ansible-playbook ansible-vault; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is not on PATH" >&2; exit 2; }
done

umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/peergroup-demo.XXXXXX")
cleanup() {
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        echo "demo: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    mkdir -p "$work/collections/ansible_collections/peernet"
    ln -s "$repo" "$work/collections/ansible_collections/peernet/peergroup"
    export ANSIBLE_COLLECTIONS_PATH="$work/collections"
fi
# Keep the demo independent of any ansible.cfg in the current directory or home.
export ANSIBLE_CONFIG="$work/ansible.cfg"
cat >"$work/ansible.cfg" <<EOF
[defaults]
collections_path = $ANSIBLE_COLLECTIONS_PATH
retry_files_enabled = false
display_skipped_hosts = false
EOF

random_secret() {
    # 48 characters from the kernel's CSPRNG; long, so it collides with no path or host name.
    LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 48 || true
}

inventory="$work/inventory"
interpreter=${DEMO_PYTHON:-"{{ ansible_playbook_python }}"}
mkdir -p "$inventory/group_vars/all"
random_secret >"$work/vault-password"

cat >"$inventory/hosts.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "$interpreter"
  children:
    peergroup_sources:
      hosts:
        source:
          export_configs_store_path: $work/stores/source
          export_configs_remote_dir: $work/stores/source-exports
    peergroup_targets:
      hosts:
        target1:
          import_configs_store_path: $work/stores/target1
        target2:
          import_configs_store_path: $work/stores/target2
        target3:
          import_configs_store_path: $work/stores/target3
    # Enrolment: the same hosts and stores, the source as the owner.
    peergroup_owners:
      hosts:
        source:
          enroll_members_store_path: $work/stores/source
    peergroup_members:
      vars:
        peergroup_memberships:
          - group: build-farm
      hosts:
        target1:
          enroll_members_store_path: $work/stores/target1
        target2:
          enroll_members_store_path: $work/stores/target2
        target3:
          enroll_members_store_path: $work/stores/target3
EOF

cat >"$inventory/group_vars/all/main.yml" <<EOF
peergroup_password: "{{ vault_peergroup_password }}"
peergroup_documents_dir: $work/documents
enroll_members_controller_dir: $work/members
EOF
if [ "${DEMO_INSTALL_PACKAGES:-0}" = 1 ]; then
    printf '%s_install_packages: true\n' export_configs import_configs >>"$inventory/group_vars/all/main.yml"
fi

printf 'vault_peergroup_password: %s\n' "$(random_secret)" >"$inventory/group_vars/all/vault.yml"
ansible-vault encrypt --vault-password-file "$work/vault-password" "$inventory/group_vars/all/vault.yml" >/dev/null

echo "demo: temporary folder $work"
echo "demo: group_vars/all/vault.yml is encrypted:"
head -n 1 "$inventory/group_vars/all/vault.yml" | sed 's/^/    /'

run() {
    ansible-playbook -i "$inventory" --vault-password-file "$work/vault-password" "$@"
}

summaries() {
    # The one-line summaries of both roles, then the recap.
    grep -E '"msg": "(source|target[0-9]+): ' "$1" | sed -e 's/^ *"msg": "/    /' -e 's/"$//'
    sed -n '/^PLAY RECAP/,$p' "$1"
}

echo
echo "=== setup: an identity owning two groups on the source"
run peernet.peergroup.demo_setup >"$work/setup.log" || { cat "$work/setup.log"; exit 1; }
sed -n '/^PLAY RECAP/,$p' "$work/setup.log"

# Fails the demo when the log of a second run shows a host with changes.
unchanged_second_run() {
    if grep -E '^[^ ].*: ok=.*changed=[1-9]' "$1" >/dev/null; then
        echo "demo: FAILED, the second $2 run changed something" >&2
        exit 1
    fi
}

for pass in 1 2; do
    echo "=== distribute, run $pass"
    if ! run peernet.peergroup.distribute >"$work/run$pass.log" 2>&1; then
        cat "$work/run$pass.log"
        exit 1
    fi
    summaries "$work/run$pass.log"
    # Every host prints its own line; a report that lost one would show the demo incomplete.
    for host in source target1 target2 target3; do
        grep -qE "\"msg\": \"$host: " "$work/run$pass.log" \
            || { echo "demo: FAILED, run $pass printed no summary line for $host" >&2; exit 1; }
    done
done

echo "=== documents on the controller"
find "$work/documents" -type f -printf '    %m %s %f\n' | sort -k3

unchanged_second_run "$work/run2.log" distribute
echo "demo: the second distribute run reports changed=0 for every host"

for pass in 1 2; do
    echo "=== enroll, run $pass"
    if ! run peernet.peergroup.enroll >"$work/enroll$pass.log" 2>&1; then
        cat "$work/enroll$pass.log"
        exit 1
    fi
    sed -n '/^PLAY RECAP/,$p' "$work/enroll$pass.log"
    for host in target1 target2 target3; do
        grep -qE "^$host +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0 " "$work/enroll$pass.log" \
            || { echo "demo: FAILED, enroll run $pass did not enrol $host" >&2; exit 1; }
    done
done

echo "=== public identity files of the members on the controller"
find "$work/members" -type f -printf '    %m %s %f\n' | sort -k3

unchanged_second_run "$work/enroll2.log" enroll
echo "demo: OK, the second runs of distribute and of enroll report changed=0 for every host"
