#!/usr/bin/python
from __future__ import annotations
from ansible.module_utils.basic import AnsibleModule
def main():
    m = AnsibleModule(argument_spec=dict(store_path=dict(type='path'), invitation_xml=dict(), group=dict(), identity=dict(), state=dict(default='present')), supports_check_mode=True)
    m.exit_json(changed=False)
main()
