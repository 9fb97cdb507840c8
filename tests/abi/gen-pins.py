#!/usr/bin/env python3
"""Prints PIN/PIN_SIZE/PIN_ENUM lines for tests/abi/layout.c from the
current plugin.h, measured by the C compiler on this machine (x86_64).

Only for a deliberate ABI change (an append with an SL_ABI_MINOR bump):
compare the output with layout.c; every existing line must be unchanged,
only new lines and the size pins of grown structs may differ.

Usage: tests/abi/gen-pins.py [path/to/plugin-api] > /tmp/pins.txt
"""
import os
import re
import subprocess
import sys
import tempfile

inc = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'plugin-api')
src = open(os.path.join(inc, 'sockerless', 'plugin.h')).read()
src = re.sub(r'/\*.*?\*/', '', src, flags=re.S)

lines = ['#include <stdio.h>', '#include <stddef.h>',
         '#include <sockerless/plugin.h>', 'int main(void) {']
for m in re.finditer(r'struct\s+(sl_\w+)\s*\{(.*?)\n\};', src, re.S):
    name, body = m.group(1), m.group(2)
    fields = []
    for decl in body.split(';'):
        d = ' '.join(decl.split())
        if not d:
            continue
        if d == 'SL_HEADER_FIELDS':
            fields += ['struct_size', 'abi_major', 'abi_minor']
            continue
        fp = re.search(r'\(\*\s*(\w+)\)', d)
        if fp:
            fields.append(fp.group(1))
            continue
        d = re.sub(r'\[.*?\]', '', re.sub(r'SL_PRINTF\(.*?\)', '', d))
        fields.append(re.findall(r'\w+', d)[-1])
    lines.append(f'printf("\\n/* struct {name} */\\n");')
    for f in fields:
        lines.append(f'printf("PIN({name}, {f}, %zu, %zu);\\n", '
                     f'offsetof(struct {name}, {f}), '
                     f'sizeof(((struct {name} *)0)->{f}));')
    lines.append(f'printf("PIN_SIZE({name}, %zu);\\n", sizeof(struct {name}));')
for m in re.finditer(r'enum\s+(sl_\w+)\s*\{(.*?)\};', src, re.S):
    lines.append(f'printf("\\n/* enum {m.group(1)} */\\n");')
    for e in m.group(2).split(','):
        k = e.split('=')[0].strip()
        if k:
            lines.append(f'printf("PIN_ENUM({k}, %d);\\n", (int){k});')
lines.append('return 0; }')

with tempfile.TemporaryDirectory() as d:
    c, exe = os.path.join(d, 'p.c'), os.path.join(d, 'p')
    open(c, 'w').write('\n'.join(lines) + '\n')
    subprocess.run(['cc', '-I', inc, c, '-o', exe], check=True)
    sys.stdout.write(subprocess.run([exe], check=True, capture_output=True,
                                    text=True).stdout.lstrip('\n'))
