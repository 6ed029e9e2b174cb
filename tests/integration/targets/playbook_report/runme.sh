#!/usr/bin/env bash
# Runs the report playbook against local stores and checks the CSV and the page it writes.
set -eux

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
here=$(cd "$(dirname "$0")" && pwd)
inventory=("-i" "$here/inventory.yml" "-e" "peernet_work=$work")

ansible-playbook "${inventory[@]}" "$here/setup.yml"

# A relative folder is taken from the directory ansible-playbook runs in.
(cd "$work" && ansible-playbook "${inventory[@]}" -e peergroup_report_dir=reports peernet.peergroup.report) | tee "$work/first.txt"
grep -E ' changed=1 ' "$work/first.txt"
"$python" "$here/check_report.py" "$work/reports"

# Same stores, same day: the files are not written again.
(cd "$work" && ansible-playbook "${inventory[@]}" -e peergroup_report_dir=reports peernet.peergroup.report) | tee "$work/second.txt"
if grep -E ' changed=[1-9]' "$work/second.txt"; then
    echo "the second run changed something" >&2
    exit 1
fi

# A smaller window unmarks the 10-day group: the report changes.
(cd "$work" && ansible-playbook "${inventory[@]}" -e peergroup_report_dir=reports -e peergroup_report_expiring_days=5 peernet.peergroup.report) \
    | tee "$work/third.txt"
grep -E ' changed=1 ' "$work/third.txt"
"$python" "$here/check_report.py" "$work/reports" --expiring-days 5

# The owner revokes beta's credential: beta's row says so.
ansible-playbook "${inventory[@]}" "$here/revoke.yml"
(cd "$work" && ansible-playbook "${inventory[@]}" -e peergroup_report_dir=reports peernet.peergroup.report)
"$python" "$here/check_report.py" "$work/reports" --revoked
